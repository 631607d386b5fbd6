"""The chat channel through apprise against a local Bot API stand-in and a JSON webhook sink."""

from __future__ import annotations

import pytest

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.push import Pusher
from shared.errors import PermanentError, TransientError
from tests.delivery.conftest import make_settings
from tests.delivery.peers import BOT_TOKEN, FakeTelegram, HttpPeer, telegram_error

CHAT = f"tgram://{BOT_TOKEN}/-1001234567890:42/"
HTML = '<b>🔔 aes-russia</b>\n\n<a href="https://x.test/a"><b>&lt;/b&gt;&lt;script&gt;alert(1)&lt;/script&gt;</b></a>'


async def test_telegram_gets_our_html_in_its_thread_without_preview(telegram: FakeTelegram) -> None:
    await Pusher(make_settings(telegram=telegram)).send(CHAT, "", HTML, html=True)
    ((path, body),) = telegram.calls
    assert path == f"/bot{BOT_TOKEN}/sendMessage"
    assert body["parse_mode"] == "HTML"
    assert body["text"] == HTML.replace("\n", "\r\n")
    assert "<script>" not in body["text"]
    assert body["chat_id"] == -1001234567890
    assert body["message_thread_id"] == 42
    assert body["disable_web_page_preview"] is True


@pytest.mark.parametrize(
    ("reply", "error", "retry_after"),
    [
        (telegram_error(429, "Too Many Requests: retry after 3", retry_after=3), TransientError, 3.0),
        (telegram_error(502, "Bad Gateway"), TransientError, None),
        (telegram_error(400, "Bad Request: can't parse entities: Unsupported start tag"), PermanentError, None),
        (telegram_error(403, "Forbidden: bot was blocked by the user"), PermanentError, None),
        (telegram_error(401, "Unauthorized"), PermanentError, None),
    ],
)
async def test_telegram_failures_are_classified(
    telegram: FakeTelegram, reply: tuple[int, dict[str, object]], error: type[Exception], retry_after: float | None
) -> None:
    telegram.script = [reply]
    with pytest.raises(error) as caught:
        await Pusher(make_settings(telegram=telegram)).send(CHAT, "", HTML, html=True)
    assert type(caught.value) is error
    if isinstance(caught.value, TransientError):
        assert caught.value.retry_after_s == retry_after
    assert BOT_TOKEN not in str(caught.value)
    assert str(reply[0]) in str(caught.value)
    assert len(telegram.calls) == 1


async def test_unreachable_bot_api_is_transient(telegram: FakeTelegram) -> None:
    settings = make_settings(telegram=telegram, telegram_api_url="http://127.0.0.1:9")
    with pytest.raises(TransientError) as caught:
        await Pusher(settings).send(CHAT, "", HTML, html=True)
    assert not isinstance(caught.value, AmbiguousError)
    assert telegram.calls == []


async def test_json_webhook_receives_title_and_text(webhook: HttpPeer) -> None:
    target = f"json://{webhook.base.removeprefix('http://')}/hook"
    await Pusher(make_settings()).send(target, "[aes-russia] Sommet à Bamako", "Pourquoi : AES <x> & co", html=False)
    ((path, body),) = webhook.calls
    assert path == "/hook"
    assert body["title"] == "[aes-russia] Sommet à Bamako"
    assert body["message"] == "Pourquoi : AES <x> & co"


async def test_private_webhook_is_refused_before_any_request(webhook: HttpPeer) -> None:
    target = f"json://{webhook.base.removeprefix('http://')}/hook"
    with pytest.raises(PermanentError, match="private"):
        await Pusher(make_settings(allow_private_targets=False)).send(target, "t", "b", html=False)
    assert webhook.calls == []
