"""Where alerts land in the fault suite: an SMTP server and a Bot API stand-in on 127.0.0.1, and the delivery oracle."""

from __future__ import annotations

import html
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from services.notify.rules.book import alert_id
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id
from shared.models import DeadLetter, TaggedArticle
from shared.streams import ALERTS, TAGGED, dead
from tests.delivery.peers import BOT_TOKEN, FakeTelegram, MailSink
from tests.faults.system import System, body

MESSAGE_ID = re.compile(r"<([0-9a-f]+)@")


class ScriptedMail(MailSink):
    """An SMTP sink: ``blocked@`` is refused (550), ``flaky@`` is deferred (451) on each message's first try."""

    def __init__(self) -> None:
        super().__init__()
        self.deferred: set[str] = set()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("blocked@"):
            return "550 5.1.1 mailbox unavailable"
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        key = MESSAGE_ID.search(bytes(envelope.content or b"").decode(errors="replace"))
        if key and any(r.startswith("flaky@") for r in envelope.rcpt_tos) and key[1] not in self.deferred:
            self.deferred.add(key[1])
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)

    def alert_ids(self) -> Counter[str]:
        """Alert ids of the accepted messages (their Message-ID)."""
        return Counter(m[1] for msg in self.messages if (m := MESSAGE_ID.search(str(msg["Message-ID"]))))


@contextmanager
def smtp_on(sink: MailSink, port: int) -> Iterator[Controller]:
    """Run an SMTP server for ``sink`` on a fixed loopback port (so it can go down and come back)."""
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@dataclass(frozen=True)
class Watch:
    """A subscription of the suite and the place name whose articles it must alert on."""

    sub: Subscription
    place: str

    @property
    def channel(self) -> str:
        """The channel id of the subscription's only target."""
        return channel_id(self.sub.targets[0].get_secret_value())


async def watch(system: System, name: str, place: str, target: str) -> Watch:
    """Save a subscription on ``word:<place>`` alerting ``target``."""
    sub = Subscription(id=name, name=name, query=f"word:{place}", targets=(SecretStr(target),))
    return Watch(await SubscriptionStore(system.client).save(sub), place)


def telegram_target(chat: int) -> str:
    """A Telegram target the Bot API stand-in accepts."""
    return f"tgram://{BOT_TOKEN}/{chat}"


async def tagged(system: System) -> list[TaggedArticle]:
    """Every tagged article, in stream order."""
    return [TaggedArticle.model_validate_json(body(f)) for _, f in await system.client.xrange(TAGGED)]


async def expected(system: System, watches: list[Watch]) -> dict[str, Watch]:
    """Alert id -> watch, for every (subscription, story, channel) a tagged article calls for."""
    out: dict[str, Watch] = {}
    for item in await tagged(system):
        for w in watches:
            if w.place in item.article.title:
                out[alert_id(w.sub.id, item.story, w.channel)] = w
    return out


async def chat_alert_ids(system: System, peer: RecordingTelegram, watches: list[Watch]) -> Counter[str]:
    """Alert ids of the messages the Bot API stand-in accepted (found by the article title in the text)."""
    items = await tagged(system)
    chats = [w for w in watches if w.sub.targets[0].get_secret_value().startswith("tgram://")]
    by_chat = {w.sub.targets[0].get_secret_value().rsplit("/", 1)[1]: w for w in chats}
    found: Counter[str] = Counter()
    for path_body, status in list(peer.answered):
        w = by_chat.get(str(path_body.get("chat_id")))
        if status != 200 or w is None:
            continue
        text = html.unescape(str(path_body.get("text", "")))
        for item in items:
            if item.article.title in text:
                found[alert_id(w.sub.id, item.story, w.channel)] += 1
    return found


async def dead_alerts(system: System) -> dict[str, DeadLetter]:
    """Dead letters of the alerts stream, by alert id."""
    return {
        (letter := DeadLetter.model_validate_json(body(f))).origin_id: letter
        for _, f in await system.client.xrange(dead(ALERTS))
    }


class RecordingTelegram(FakeTelegram):
    """The Bot API stand-in, noting each call with the status it was answered (scripted replies first)."""

    def __init__(self) -> None:
        self.answered: list[tuple[dict[str, Any], int]] = []
        self._lock = threading.Lock()
        super().__init__()

    def _handler(peer) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                data = json.loads(raw) if raw else {}
                with peer._lock:
                    peer.calls.append((self.path, data))
                    status, payload = peer.script.pop(0) if peer.script else peer.default(self.path, data)
                    peer.answered.append((data, status))
                out = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        return Handler
