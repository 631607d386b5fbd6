"""Email channel: aiosmtplib over one reused connection, STARTTLS enforced when asked, errors classified."""

from __future__ import annotations

import asyncio
import contextlib
import email.generator
import email.policy
import io
import logging
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage

import aiosmtplib

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.settings import DeliverySettings
from shared.errors import DeliveryError, PermanentError, TransientError

logger = logging.getLogger(__name__)

_WIRE = email.policy.SMTP.clone(cte_type="7bit", max_line_length=998)
"""7-bit safe for any relay; headers unfolded up to RFC 5322's hard limit, because CPython folds some
short subjects into a blank first line that readers then show with a leading space."""

_TRANSIENT = (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError)


def flatten(message: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF, 7-bit)."""
    out = io.BytesIO()
    email.generator.BytesGenerator(out, policy=_WIRE).flatten(message)
    return out.getvalue()


def _by_code(what: str, exc: aiosmtplib.SMTPException) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients] or [550]
        detail = f"recipient refused ({codes[0]})"
    else:
        assert isinstance(exc, aiosmtplib.SMTPResponseException)
        codes = [exc.code]
        detail = f"{exc.code} {' '.join(exc.message.split())[:200]}"
    if all(400 <= c < 500 for c in codes):
        return TransientError(f"{what}: {detail}")
    return PermanentError(f"{what}: {detail}")


def classify(exc: BaseException, phase: str) -> DeliveryError:
    """Name an SMTP failure: transient (4xx, network), ambiguous (lost reply to DATA) or permanent."""
    what = f"smtp: {phase} failed"
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__, ssl.SSLError):
        return PermanentError(f"{what}: TLS error ({type(exc).__name__}); check the certificate and mode")
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused | aiosmtplib.SMTPResponseException):
        return _by_code(what, exc)
    if isinstance(exc, (*_TRANSIENT, TimeoutError, ConnectionError)):
        kind = AmbiguousError if phase == "data" else TransientError
        return kind(f"{what}: {type(exc).__name__}{': ' + str(exc) if phase != 'data' else ''}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported | ValueError) or type(exc) is aiosmtplib.SMTPException:
        # a bare SMTPException is a capability mismatch (no STARTTLS, no AUTH): retrying cannot help
        return PermanentError(f"{what}: {type(exc).__name__}: {exc}")
    return TransientError(f"{what}: {type(exc).__name__}: {exc}")


class Mailer:
    """Sends alert emails through the configured relay, reusing one connection across a burst."""

    def __init__(self, settings: DeliverySettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._smtp: aiosmtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        context = ssl.create_default_context(cafile=s.smtp_cafile) if s.smtp_cafile else None
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.effective_smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            tls_context=context,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            timeout=s.smtp_timeout_s,
        )

    async def _connected(self) -> aiosmtplib.SMTP:
        smtp = self._smtp
        stale = self._clock() - self._last_used > self._settings.smtp_idle_close_s
        if smtp is not None and smtp.is_connected and not stale:
            return smtp
        await self.close()
        smtp = self._client()
        await smtp.connect()
        self._smtp = smtp
        return smtp

    async def send(self, message: EmailMessage, recipient: str) -> None:
        """Send ``message`` to exactly ``recipient``; raise Transient, Ambiguous or PermanentError."""
        async with self._lock:
            phase = "connect"
            try:
                async with asyncio.timeout(self._settings.smtp_timeout_s):
                    smtp = await self._connected()
                    phase = "mail"
                    await smtp.mail(self._settings.smtp_from)
                    phase = "rcpt"
                    await smtp.rcpt(recipient)
                    phase = "data"
                    await smtp.data(flatten(message))
            except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as e:
                error = classify(e, phase)
                await self._recover(e)
                raise error from e
            finally:
                self._last_used = self._clock()

    async def _recover(self, exc: BaseException) -> None:
        smtp = self._smtp
        if smtp is not None and smtp.is_connected and isinstance(exc, aiosmtplib.SMTPResponseException):
            with contextlib.suppress(aiosmtplib.SMTPException, OSError, TimeoutError):
                await asyncio.wait_for(smtp.rset(), self._settings.smtp_timeout_s)
                return
        await self.close()

    async def close(self) -> None:
        """Close the reused connection, politely when it still answers."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        if smtp.is_connected:
            try:
                await asyncio.wait_for(smtp.quit(), 2.0)
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                smtp.close()
        else:
            smtp.close()
