"""Targets are checked when a rule is saved: bad ones are refused with a reason that hides secrets."""

from __future__ import annotations

import pytest

from services.notify.delivery.targets import email_address, validate_target
from shared.errors import InputError
from tests.delivery.peers import BOT_TOKEN


@pytest.mark.parametrize(
    "target",
    [
        "mailto:desk@example.org",
        "mailto:first.last+alerts@news.example.co.uk",
        f"tgram://{BOT_TOKEN}/-1001234567890",
        f"tgram://{BOT_TOKEN}/-1001234567890:42/?preview=no",
        f"tgram://{BOT_TOKEN}/@sahel_news",
        "json://hooks.example.org/newsalert",
        "ntfy://newsalert-desk",
    ],
)
def test_valid_targets_pass(target: str) -> None:
    validate_target(target)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("mailto:", "plain address"),
        ("mailto:desk@example.org\r\nBcc: evil@example.test", "control characters"),
        ("mailto:desk@example.org,evil@example.test", "plain address"),
        ("mailto:Desk <desk@example.org>", "spaces"),
        ("mailto:desk@example.org?bcc=evil@example.test", "plain address"),
        ("mailto://user:pass@smtp.example.org", "no server"),
        (f"tgram://{BOT_TOKEN}/", "no chat id"),
        (f"tgram://{BOT_TOKEN}/notachat!!", "invalid"),
        (f"tgram://{BOT_TOKEN}/-100123,abc$", "invalid"),
        ("tgram://badtoken/12345", "not supported or malformed"),
        ("nosuchscheme://x/y", "not supported"),
        ("json://127.0.0.1:8080/hook", "private"),
        ("json://localhost/hook", "private"),
        ("json://[::ffff:10.0.0.1]/hook", "private"),
        ("json://router.local/hook", "private"),
    ],
)
def test_bad_targets_are_refused_with_a_reason(target: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        validate_target(target)
    assert BOT_TOKEN not in str(caught.value)


def test_private_webhook_allowed_when_the_operator_says_so() -> None:
    validate_target("json://127.0.0.1:8080/hook", allow_private=True)


def test_email_address_is_returned_bare() -> None:
    assert email_address("mailto:desk@example.org") == "desk@example.org"
