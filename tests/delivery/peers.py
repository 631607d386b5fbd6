"""Real peers on 127.0.0.1 for delivery tests: an SMTP server, a Telegram Bot API stand-in, a webhook sink."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

BOT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
Reply = tuple[int, dict[str, Any]]


class EphemeralController(Controller):  # type: ignore[misc]
    """An aiosmtpd controller on a port the OS picks (aiosmtpd cannot probe port 0 itself)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailSink:
    """Records every accepted message; ``script`` holds replies to give DATA before accepting."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.messages: list[EmailMessage] = []
        self.script: list[str] = []
        self.rcpt_script: list[str] = []
        self.attempts = 0
        self.connections = 0

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_script:
            return self.rcpt_script.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.script:
            return self.script.pop(0)
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK queued"


@contextmanager
def smtp_server(sink: MailSink, port: int = 0, **kwargs: Any) -> Iterator[EphemeralController]:
    """Run an SMTP server on 127.0.0.1 (on ``port``, else one the OS picks) for the duration of the block."""
    controller = EphemeralController(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


class HttpPeer:
    """A loopback HTTP server recording JSON POSTs and answering from a script, else ``default``."""

    def __init__(self, *, keep_alive: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.headers: list[dict[str, str]] = []
        self.clients: list[tuple[str, int]] = []
        self.script: list[Reply] = []
        self.reply_headers: dict[str, str] = {}
        self.stall = threading.Event()
        """While set, requests are read and recorded but not answered until ``release`` is set."""
        self.release = threading.Event()
        self.keep_alive = keep_alive
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def default(self, path: str, body: dict[str, Any]) -> Reply:
        return 200, {"ok": True}

    def __enter__(self) -> HttpPeer:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(peer) -> type[BaseHTTPRequestHandler]:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if peer.keep_alive else "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.loads(raw) if raw else {}
                peer.headers.append({k.lower(): v for k, v in self.headers.items()})
                peer.clients.append(self.client_address[:2])
                peer.calls.append((self.path, body))
                if peer.stall.is_set():
                    peer.release.wait(10)
                status, payload = peer.script.pop(0) if peer.script else peer.default(self.path, body)
                out = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in peer.reply_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        return Handler


class FakeTelegram(HttpPeer):
    """The Bot API's sendMessage as far as we use it, with its length and token checks."""

    def default(self, path: str, body: dict[str, Any]) -> Reply:
        if not path.startswith(f"/bot{BOT_TOKEN}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if len(body.get("text", "")) > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        return 200, {"ok": True, "result": {"message_id": len(self.calls), "chat": {"id": body.get("chat_id")}}}

    @property
    def texts(self) -> list[str]:
        return [str(body.get("text", "")) for _, body in self.calls]


def telegram_error(code: int, description: str, retry_after: int | None = None) -> Reply:
    """A Bot API error reply."""
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return code, payload
