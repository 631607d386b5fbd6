"""The native JSON webhook channel against a local HTTP sink: same body as apprise, answers classified."""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import apprise
import pytest

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.push import Pusher
from services.notify.delivery.webhook import Hook, Webhook, classify, parse_hook, retry_after_s
from services.notify.rules.subscriptions import channel_id
from shared.errors import PermanentError, TransientError
from tests.delivery.conftest import Rig, make_settings
from tests.delivery.factory import NOW, alert
from tests.delivery.peers import HttpPeer
from tests.waiting import wait_until

TITLE = "[aes-russia] Niamey : la Russie promet un appui militaire aux pays de l'AES"
MESSAGE = "Pourquoi : « Russie » dans le titre, « Moscou » dans le texte <b>&</b>"


def json_target(peer: HttpPeer, path: str = "/hook") -> str:
    return f"json://{peer.base.removeprefix('http://')}{path}"


@pytest.fixture
async def channel() -> AsyncIterator[Webhook]:
    webhook = Webhook(make_settings(push_timeout_s=0.5))
    yield webhook
    await webhook.close()


@pytest.mark.parametrize(
    ("target", "url", "auth", "headers", "params"),
    [
        ("json://hooks.example.test/news", "http://hooks.example.test/news", None, {}, {}),
        ("jsons://hooks.example.test:8443/a/b", "https://hooks.example.test:8443/a/b", None, {}, {}),
        ("jsons://desk:s3cret@hooks.example.test/n", "https://hooks.example.test/n", ("desk", "s3cret"), {}, {}),
        (
            "json://hooks.example.test/n?+X-Desk=sahel&-team=7",
            "http://hooks.example.test/n",
            None,
            {"X-Desk": "sahel"},
            {"team": "7"},
        ),
    ],
)
def test_json_targets_parse_as_apprise_reads_them(
    target: str, url: str, auth: tuple[str, str] | None, headers: dict[str, str], params: dict[str, str]
) -> None:
    hook = parse_hook(target)
    assert hook is not None
    assert (hook.url, hook.auth, hook.headers, hook.params) == (url, auth, headers, params)


@pytest.mark.parametrize(
    "target", ["json://hooks.example.test/news", "jsons://a:b@h.example.test:8443/x/#y", "JSON://Host.example.test/A"]
)
def test_a_parsed_target_is_the_one_apprise_would_build(target: str) -> None:
    hook = parse_hook(target)
    service = apprise.Apprise.instantiate(target)
    assert hook is not None
    assert service is not None
    assert (
        hook.url.split("://", 1)[1] == f"{service.host}{f':{service.port}' if service.port else ''}{service.fullpath}"
    )
    assert hook.verify == service.verify_certificate


def test_a_target_apprise_cannot_read_is_a_permanent_error() -> None:
    with pytest.raises(PermanentError, match="malformed"):
        parse_hook("json://")


@pytest.mark.parametrize(
    "target",
    [
        "json://hooks.example.test/n?method=PUT",  # another method: apprise keeps it
        "json://hooks.example.test/n?:title=subject",  # payload rewrites: apprise keeps it
        "tgram://123456789:AAFakeTokenForTestsOnly_abcdefghijk/-100123",
        "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    ],
)
def test_targets_apprise_must_send_are_left_to_it(target: str) -> None:
    assert parse_hook(target) is None


@pytest.mark.parametrize(
    ("status", "retry_after", "kind", "wait"),
    [
        (200, None, None, None),
        (204, None, None, None),
        (429, "7", TransientError, 7.0),
        (429, "Fri, 27 Nov 2026 09:30:20 GMT", TransientError, 20.0),
        (429, "soon", TransientError, None),
        (503, "30", TransientError, 30.0),
        (500, None, TransientError, None),
        (408, None, TransientError, None),
        (301, None, PermanentError, None),
        (400, None, PermanentError, None),
        (404, None, PermanentError, None),
        (410, None, PermanentError, None),
    ],
)
def test_answers_are_classified(
    status: int, retry_after: str | None, kind: type[Exception] | None, wait: float | None
) -> None:
    error = classify(status, retry_after, NOW)
    assert type(error) is kind if kind else error is None
    if isinstance(error, TransientError):
        assert error.retry_after_s == wait
        assert str(status) in str(error)


def test_a_retry_after_date_in_the_past_means_now() -> None:
    assert retry_after_s("Fri, 27 Nov 2026 09:00:00 GMT", NOW) == 0.0
    assert retry_after_s(" 12 ", NOW + timedelta(hours=1)) == 12.0


async def test_receivers_get_the_body_apprise_sends(webhook: HttpPeer, channel: Webhook) -> None:
    target = json_target(webhook)
    await Pusher(make_settings()).send(target, TITLE, MESSAGE, html=False)
    hook = channel.hook(target)
    assert hook is not None
    await channel.send(hook, TITLE, MESSAGE)
    (by_apprise, native) = [body for _, body in webhook.calls]
    assert native == by_apprise
    assert native["title"] == TITLE
    assert native["message"] == MESSAGE
    apprise_headers, native_headers = webhook.headers
    for name in ("user-agent", "content-type"):
        assert native_headers[name] == apprise_headers[name]


async def test_custom_headers_auth_and_params_go_out(webhook: HttpPeer, channel: Webhook) -> None:
    host = webhook.base.removeprefix("http://")
    hook = channel.hook(f"json://desk:s3cret@{host}/hook?+X-Desk=sahel&-team=7")
    assert hook is not None
    await channel.send(hook, TITLE, MESSAGE)
    ((path, _),) = webhook.calls
    assert path == "/hook?team=7"
    assert webhook.headers[0]["x-desk"] == "sahel"
    assert webhook.headers[0]["authorization"] == "Basic " + base64.b64encode(b"desk:s3cret").decode()


async def test_a_burst_reuses_one_connection(channel: Webhook) -> None:
    with HttpPeer(keep_alive=True) as peer:
        hook = channel.hook(json_target(peer))
        assert hook is not None
        for _ in range(5):
            await channel.send(hook, TITLE, MESSAGE)
        assert len(peer.calls) == 5
        assert len(set(peer.clients)) == 1


async def test_429_carries_the_retry_after(webhook: HttpPeer, channel: Webhook) -> None:
    webhook.script = [(429, {"error": "slow down"})]
    webhook.reply_headers = {"Retry-After": "9"}
    with pytest.raises(TransientError) as caught:
        await channel.send(_hook(channel, webhook), TITLE, MESSAGE)
    assert caught.value.retry_after_s == 9.0
    assert not isinstance(caught.value, AmbiguousError)


async def test_500_is_transient_and_404_permanent(webhook: HttpPeer, channel: Webhook) -> None:
    webhook.script = [(500, {}), (404, {})]
    hook = _hook(channel, webhook)
    with pytest.raises(TransientError) as transient:
        await channel.send(hook, TITLE, MESSAGE)
    assert not isinstance(transient.value, AmbiguousError)
    with pytest.raises(PermanentError, match="404"):
        await channel.send(hook, TITLE, MESSAGE)
    assert len(webhook.calls) == 2


async def test_a_server_that_never_answers_is_ambiguous(webhook: HttpPeer, channel: Webhook) -> None:
    webhook.stall.set()
    with pytest.raises(AmbiguousError, match="may have arrived"):
        await channel.send(_hook(channel, webhook), TITLE, MESSAGE)
    assert len(webhook.calls) == 1  # the request did go out


async def test_nothing_listening_is_transient_not_ambiguous(channel: Webhook) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = channel.hook(f"json://127.0.0.1:{port}/hook")
    assert hook is not None
    with pytest.raises(TransientError) as caught:
        await channel.send(hook, TITLE, MESSAGE)
    assert not isinstance(caught.value, AmbiguousError)


async def test_a_loopback_target_is_refused_before_any_connection(webhook: HttpPeer) -> None:
    webhook_channel = Webhook(make_settings(allow_private_targets=False))
    with pytest.raises(PermanentError, match="private"):
        await webhook_channel.send(_hook(webhook_channel, webhook), TITLE, MESSAGE)
    await webhook_channel.close()
    assert webhook.calls == []


async def test_a_name_resolving_inside_the_network_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    async def resolver(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", 0))]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolver)
    channel = Webhook(make_settings(allow_private_targets=False))
    hook = Hook(url="http://hooks.example.test/news", host="hooks.example.test")
    with pytest.raises(PermanentError, match="resolves to a private address"):
        await channel.send(hook, TITLE, MESSAGE)
    await channel.close()
    assert asked == ["hooks.example.test"]


def _hook(channel: Webhook, peer: HttpPeer) -> Hook:
    hook = channel.hook(json_target(peer))
    assert hook is not None
    return hook


async def test_the_courier_sends_json_webhooks_natively_and_honours_retry_after(
    rig_factory: Callable[..., Rig], webhook: HttpPeer
) -> None:
    rig = rig_factory(make_settings())
    target = json_target(webhook)
    sub = await rig.subscribe(target)
    a = alert(subscription=sub.id, channel=channel_id(target))
    webhook.script = [(429, {})]
    webhook.reply_headers = {"Retry-After": "7"}
    assert await rig.courier.accept(a) == "queued"
    await rig.drain()
    assert await rig.courier.schedule.next_due() == (NOW + timedelta(seconds=7.5)).timestamp()
    rig.clock.advance(8)
    await rig.drain()
    assert await rig.status(a.id) == "sent"
    assert [body["title"] for _, body in webhook.calls] == [f"[aes-russia] {a.tagged.article.title}"] * 2
    assert rig.courier.sender.webhook.hook(target) is not None


async def test_the_running_courier_delivers_a_burst_once_each(
    rig_factory: Callable[..., Rig], webhook: HttpPeer
) -> None:
    rig = rig_factory(make_settings(max_parallel_sends=4))
    subs = [await rig.subscribe(json_target(webhook, f"/s{i}"), name=f"desk-{i}") for i in range(6)]
    alerts = [
        alert(subscription=s.id, channel=channel_id(t), seed=f"b{i}")
        for i, s in enumerate(subs)
        for t in s.channels().values()
    ]
    stop = asyncio.Event()
    runner = asyncio.create_task(rig.courier.run(stop))
    for a in alerts:
        assert await rig.courier.accept(a) == "queued"

    async def all_sent() -> bool:
        return all([await rig.status(a.id) == "sent" for a in alerts])

    await wait_until(all_sent, 10, what="every alert sent")
    stop.set()
    await asyncio.wait_for(runner, 10)
    assert sorted(path for path, _ in webhook.calls) == [f"/s{i}" for i in range(6)]
    assert await rig.courier.schedule.next_due() is None
