"""JSON webhook channel: apprise's ``json://`` body sent natively on one pooled aiohttp session.

Receivers get the same request apprise's JSON plugin makes (POST, ``{"version", "title", "message",
"attachments", "type"}``, the same headers), without a thread and a new connection per message.
Targets apprise would send differently (another method, payload rewrites) stay on apprise.
aiohttp rather than httpx: measured here, httpx cost as much CPU per request as apprise's thread.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import aiohttp
import apprise
from apprise.plugins.custom_json import NotifyJSON

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.targets import check_host_resolves_public
from shared.errors import DeliveryError, InputError, PermanentError, TransientError
from shared.models import utc_now

logger = logging.getLogger(__name__)

NATIVE_SCHEMAS = frozenset({"json", "jsons"})
MAX_CACHED_TARGETS = 16_384
CONNECT_TIMEOUT_S = 5.0
USER_AGENT = apprise.AppriseAsset.app_id
"""The User-Agent apprise sends, so receivers filtering on it see no change."""


@dataclass(frozen=True)
class Hook:
    """A parsed webhook target: where to POST and how."""

    url: str
    host: str
    verify: bool = True
    auth: tuple[str, str] | None = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    version: str = "1.0"


def parse_hook(target: str) -> Hook | None:
    """Read a ``json://``/``jsons://`` target as apprise does; None when apprise must send it."""
    if target.split("://", 1)[0].lower() not in NATIVE_SCHEMAS:
        return None
    # what Apprise.instantiate does for these schemas, without its logging of the redacted URL (most of its cost)
    results = NotifyJSON.parse_url(target.replace("/#", "/%23"))  # type: ignore[no-untyped-call]
    try:
        service = NotifyJSON(**results) if results else None  # type: ignore[no-untyped-call]
    except Exception as e:  # apprise's constructors raise anything on bad arguments
        raise PermanentError("webhook: target URL is malformed") from e
    if service is None:
        raise PermanentError("webhook: target URL is malformed")
    if str(getattr(service, "method", "POST")).upper() != "POST" or getattr(service, "payload_extras", None):
        return None
    host = str(service.host or "")
    port = f":{service.port}" if isinstance(service.port, int) else ""
    user = getattr(service, "user", None)
    return Hook(
        url=f"{'https' if service.secure else 'http'}://{host}{port}{service.fullpath}",
        host=host,
        verify=bool(service.verify_certificate),
        auth=(str(user), str(getattr(service, "password", None) or "")) if user else None,
        headers={str(k): str(v) for k, v in (getattr(service, "headers", None) or {}).items()},
        params={str(k): str(v) for k, v in (getattr(service, "params", None) or {}).items()},
        version=str(getattr(service, "json_version", "1.0")),
    )


def body(hook: Hook, title: str, message: str) -> bytes:
    """The JSON apprise's plugin posts for an informational notification."""
    payload = {"version": hook.version, "title": title, "message": message, "attachments": [], "type": "info"}
    return json.dumps(payload).encode()


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date); None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds()) if when.tzinfo else None


def classify(status: int, retry_after: str | None, now: datetime) -> DeliveryError | None:
    """Name a webhook's answer: None for 2xx, else transient (429, 408, 5xx) or permanent (other)."""
    if 200 <= status < 300:
        return None
    if status == 429:
        return TransientError("webhook: rate limited (429)", retry_after_s(retry_after, now))
    if status >= 500 or status == 408:
        return TransientError(f"webhook: server error ({status})", retry_after_s(retry_after, now))
    if 300 <= status < 400:
        return PermanentError(f"webhook: redirect ({status}) not followed; save the final URL")
    return PermanentError(f"webhook: refused ({status})")


def transport_error(exc: aiohttp.ClientError | TimeoutError) -> DeliveryError:
    """Name a request that got no answer: transient before it went out, ambiguous after, else permanent."""
    name = type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return TransientError(f"webhook: could not connect ({name})")
    if isinstance(exc, aiohttp.InvalidURL):
        return PermanentError(f"webhook: request failed ({name})")
    return AmbiguousError(f"webhook: no answer ({name}); the message may have arrived")


class Webhook:
    """Posts JSON webhooks on pooled keep-alive connections of one session (made on first use)."""

    def __init__(self, settings: DeliverySettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._hooks: OrderedDict[str, Hook | None] = OrderedDict()

    def hook(self, target: str) -> Hook | None:
        """The parsed target when this channel sends it natively, else None (cached)."""
        key = hashlib.sha256(target.encode()).hexdigest()
        if key in self._hooks:
            self._hooks.move_to_end(key)
            return self._hooks[key]
        hook = self._hooks[key] = parse_hook(target)
        if len(self._hooks) > MAX_CACHED_TARGETS:
            self._hooks.popitem(last=False)
        return hook

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            s = self._settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=s.max_parallel_sends, keepalive_timeout=30),
                timeout=aiohttp.ClientTimeout(
                    total=s.push_timeout_s + CONNECT_TIMEOUT_S,
                    sock_connect=CONNECT_TIMEOUT_S,
                    sock_read=s.push_timeout_s,
                ),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    async def send(self, hook: Hook, title: str, message: str) -> None:
        """POST one notification; raise Transient, Ambiguous or PermanentError on failure."""
        if not self._settings.allow_private_targets:
            try:
                await check_host_resolves_public(hook.host)
            except InputError as e:
                raise PermanentError(f"webhook: {e}") from e
        headers = {"Content-Type": "application/json", **hook.headers}
        if hook.auth:
            pair = f"{hook.auth[0]}:{hook.auth[1]}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        try:
            async with self._client().post(
                hook.url,
                data=body(hook, title, message),
                headers=headers,
                params=hook.params,
                ssl=hook.verify,  # False only for targets saved with verify=no
                allow_redirects=False,  # a redirect could lead to a private address we never checked
            ) as reply:
                await reply.read()
                status, retry_after = reply.status, reply.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as e:
            raise transport_error(e) from e
        error = classify(status, retry_after, utc_now())
        if error is not None:
            raise error

    async def close(self) -> None:
        """Close the pooled connections."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()
