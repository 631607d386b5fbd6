"""The email channel against a real aiosmtpd server on loopback: TLS, AUTH, reuse, and every failure class."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from services.notify.delivery import render
from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.smtp import Mailer
from shared.errors import PermanentError, TransientError
from tests.delivery.conftest import make_settings
from tests.delivery.factory import HOSTILE_TITLE, alert
from tests.delivery.peers import MailSink, smtp_server

RECIPIENT = "desk@example.test"


def message(title: str = "Niamey : la Russie promet un appui militaire", key: str = "m1") -> EmailMessage:
    content = render.email_content("aes-russia", [alert(title=title)], ZoneInfo("UTC"))
    return render.email_message(
        content, sender="alerts@newsalert.test", recipient=RECIPIENT, message_id=key, date=datetime.now(UTC)
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def authenticator(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"newsalert" and data.password == b"s3cret-pass"
    return AuthResult(success=ok, handled=False)


async def test_plain_send_delivers_one_message_to_exactly_one_recipient(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    mailer = Mailer(make_settings(port))
    await mailer.send(message(HOSTILE_TITLE), RECIPIENT)
    await mailer.close()
    (envelope,) = sink.envelopes
    assert envelope.rcpt_tos == [RECIPIENT]
    received = sink.messages[0]
    assert received["Bcc"] is None
    assert "\n" not in str(received["Subject"])
    assert str(received["Subject"]).startswith("[aes-russia] </b><script>alert(1)</script> &")
    html = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_a_burst_reuses_one_connection(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    mailer = Mailer(make_settings(port))
    for i in range(5):
        await mailer.send(message(key=f"m{i}"), RECIPIENT)
    await mailer.close()
    assert len(sink.messages) == 5
    assert sink.connections == 1


async def test_starttls_with_auth(certificate: tuple[Path, Path]) -> None:
    sink = MailSink()
    tls = server_tls(certificate)
    options = {"tls_context": tls, "require_starttls": True, "auth_required": True, "authenticator": authenticator}
    with smtp_server(sink, **options) as controller:
        settings = make_settings(
            controller.port,
            smtp_security="starttls",
            smtp_cafile=str(certificate[0]),
            smtp_username="newsalert",
            smtp_password="s3cret-pass",
        )
        mailer = Mailer(settings)
        await mailer.send(message(), RECIPIENT)
        await mailer.close()
        bad = Mailer(settings.model_copy(update={"smtp_password": SecretStr("wrong")}))
        with pytest.raises(PermanentError, match="535"):
            await bad.send(message(), RECIPIENT)
        await bad.close()
        await asyncio.sleep(0.05)  # let the aborted transport close before the loop does (see channels.md)
    assert len(sink.messages) == 1


async def test_starttls_asked_but_not_offered_never_sends_in_clear(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    mailer = Mailer(make_settings(port, smtp_security="starttls"))
    with pytest.raises(PermanentError, match="STARTTLS"):
        await mailer.send(message(), RECIPIENT)
    await mailer.close()
    assert sink.attempts == 0


async def test_untrusted_certificate_is_permanent(certificate: tuple[Path, Path]) -> None:
    sink = MailSink()
    with smtp_server(sink, tls_context=server_tls(certificate), require_starttls=True) as controller:
        mailer = Mailer(make_settings(controller.port, smtp_security="starttls"))  # system CAs only
        with pytest.raises(PermanentError, match="TLS"):
            await mailer.send(message(), RECIPIENT)
        await mailer.close()
        await asyncio.sleep(0.05)
    assert sink.attempts == 0


async def test_451_is_transient_then_250_on_the_same_connection(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    sink.script = ["451 4.7.1 Greylisted, try again later"]
    mailer = Mailer(make_settings(port))
    with pytest.raises(TransientError, match="451") as caught:
        await mailer.send(message(), RECIPIENT)
    assert not isinstance(caught.value, PermanentError)
    await mailer.send(message(), RECIPIENT)
    await mailer.close()
    assert len(sink.messages) == 1
    assert sink.connections == 1


async def test_550_is_permanent(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    sink.rcpt_script = ["550 5.1.1 No such mailbox"]
    mailer = Mailer(make_settings(port))
    with pytest.raises(PermanentError, match="550"):
        await mailer.send(message(), RECIPIENT)
    await mailer.close()
    assert sink.messages == []


async def test_server_down_then_up() -> None:
    sink = MailSink()
    with smtp_server(sink) as controller:
        port = controller.port
    mailer = Mailer(make_settings(port))
    with pytest.raises(TransientError) as caught:
        await mailer.send(message(), RECIPIENT)
    assert not isinstance(caught.value, AmbiguousError)
    with smtp_server(sink, port=port):
        await mailer.send(message(), RECIPIENT)
        await mailer.close()
    assert len(sink.messages) == 1


class SlowSink(MailSink):
    """Accepts the message but answers DATA too late: the reply is lost to the client's timeout."""

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.attempts += 1
        await asyncio.sleep(3)  # the peer being slow is the fault under test, not synchronisation
        return "250 OK"


async def test_lost_reply_to_data_is_ambiguous() -> None:
    sink = SlowSink()
    with smtp_server(sink) as controller:
        mailer = Mailer(make_settings(controller.port, smtp_timeout_s=0.5))
        with pytest.raises(AmbiguousError, match="data"):
            await mailer.send(message(), RECIPIENT)
        await mailer.close()
        await asyncio.sleep(0.05)
    assert sink.attempts == 1


async def test_subject_arrives_exactly_as_rendered(mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    title = "Niamey : la Russie promet un appui militaire aux pays de l'AES réunis à Bamako pour leur sommet annuel"
    mailer = Mailer(make_settings(port))
    msg = message(title)
    await mailer.send(msg, RECIPIENT)
    await mailer.close()
    assert str(sink.messages[0]["Subject"]) == str(msg["Subject"]) == f"[aes-russia] {title}"
