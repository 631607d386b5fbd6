"""Session cookies, CSRF tokens, bearer tokens and the exposure rule, without a server."""

from __future__ import annotations

import pytest

from services.notify.web.access import Signer
from services.notify.web.login import local_path
from services.notify.web.settings import check_exposure, is_loopback
from shared.errors import ConfigError


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_cookie_proves_itself_until_it_expires() -> None:
    clock = Clock()
    signer = Signer("token", max_age_s=3_600, clock=clock)
    cookie = signer.issue()
    session = signer.session(cookie)
    assert session is not None
    clock.now += 3_599
    assert signer.session(cookie) == session
    clock.now += 2
    assert signer.session(cookie) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),
        lambda c: "1" + c,
        lambda c: c.replace(".", "", 1),
        lambda c: "",
        lambda c: "a.b.c",
    ],
)
def test_a_forged_cookie_is_no_session(tamper: object) -> None:
    signer = Signer("token", max_age_s=3_600)
    assert callable(tamper)
    assert signer.session(tamper(signer.issue())) is None


def test_a_cookie_of_another_token_is_no_session() -> None:
    assert Signer("new-token", 3_600).session(Signer("old-token", 3_600).issue()) is None


def test_csrf_token_is_bound_to_its_session() -> None:
    signer = Signer(None, 3_600)
    one, two = signer.session(signer.issue()), signer.session(signer.issue())
    assert one is not None
    assert two is not None
    assert signer.csrf_ok(one, signer.csrf(one))
    assert not signer.csrf_ok(two, signer.csrf(one))
    assert not signer.csrf_ok(one, "")
    assert not signer.csrf_ok(None, signer.csrf(one))


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("Bearer token-1", True),
        ("bearer token-1", True),
        ("Bearer token-2", False),
        ("Basic token-1", False),
        ("token-1", False),
        ("", False),
        (None, False),
    ],
)
def test_bearer_header(header: str | None, ok: bool) -> None:
    assert Signer("token-1", 60).bearer_ok(header) is ok


def test_without_a_token_no_bearer_is_accepted() -> None:
    assert not Signer(None, 60).bearer_ok("Bearer ")
    assert not Signer(None, 60).token_ok("")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("notify", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "token", "dev", "refused"),
    [
        ("127.0.0.1", None, False, False),
        ("0.0.0.0", None, False, True),
        ("0.0.0.0", "t" * 16, False, False),
        ("127.0.0.1", "t" * 15, False, True),
        ("127.0.0.1", "t" * 15, True, False),
        ("0.0.0.0", None, True, False),
        ("10.0.0.5", None, False, True),
    ],
)
def test_an_open_server_binds_only_loopback_and_a_token_is_long(
    host: str, token: str | None, dev: bool, refused: bool
) -> None:
    if refused:
        with pytest.raises(ConfigError, match="NEWSALERT_API_TOKEN") as error:
            check_exposure(host, token, dev)
        assert token is None or token not in str(error.value)
    else:
        check_exposure(host, token, dev)


@pytest.mark.parametrize(
    ("wanted", "kept"),
    [("/rules", "/rules"), ("/rules/new?query=AES", "/rules/new?query=AES"), ("//evil.example/x", "/rules"),
     ("https://evil.example/", "/rules"), ("/\\evil.example", "/rules"), ("", "/rules")],
)  # fmt: skip
def test_login_only_returns_to_local_paths(wanted: str, kept: str) -> None:
    assert local_path(wanted) == kept
