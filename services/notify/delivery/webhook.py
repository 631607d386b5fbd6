"""JSON webhook channel: apprise's ``json://`` body sent natively on one pooled ``httpx.AsyncClient``.

Receivers get the same request apprise's JSON plugin makes (POST, ``{"version", "title", "message",
"attachments", "type"}``, the same headers), without a thread and a new connection per message.
Targets apprise would send differently (another method, payload rewrites) stay on apprise.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

import apprise
import httpx

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.targets import check_host_resolves_public
from shared.errors import DeliveryError, InputError, PermanentError, TransientError
from shared.models import utc_now

logger = logging.getLogger(__name__)

NATIVE_SCHEMAS = frozenset({"json", "jsons"})
MAX_CACHED_TARGETS = 1_024
CONNECT_TIMEOUT_S = 5.0
USER_AGENT = apprise.AppriseAsset.app_id
"""The User-Agent apprise sends, so receivers filtering on it see no change."""


@dataclass(frozen=True)
class Hook:
    """A parsed webhook target: where to POST and how."""

    url: str
    host: str
    verify: bool = True
    auth: tuple[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    version: str = "1.0"


def parse_hook(target: str) -> Hook | None:
    """Read a ``json://``/``jsons://`` target as apprise does; None when apprise must send it."""
    if target.split("://", 1)[0].lower() not in NATIVE_SCHEMAS:
        return None
    service = apprise.Apprise.instantiate(target)
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


def transport_error(exc: httpx.HTTPError) -> DeliveryError:
    """Name a request that got no answer: transient before it went out, ambiguous after, else permanent."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(f"webhook: could not connect ({name})")
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return AmbiguousError(f"webhook: no answer ({name}); the message may have arrived")
    return PermanentError(f"webhook: request failed ({name})")


class Webhook:
    """Posts JSON webhooks on pooled keep-alive connections (one client per certificate policy)."""

    def __init__(self, settings: DeliverySettings) -> None:
        self._settings = settings
        self._clients: dict[bool, httpx.AsyncClient] = {}
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

    def _client(self, verify: bool) -> httpx.AsyncClient:
        client = self._clients.get(verify)
        if client is None:
            size = self._settings.max_parallel_sends
            client = self._clients[verify] = httpx.AsyncClient(
                verify=verify,
                follow_redirects=False,  # a redirect could lead to a private address we never checked
                timeout=httpx.Timeout(self._settings.push_timeout_s, connect=CONNECT_TIMEOUT_S),
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=30),
                headers={"User-Agent": USER_AGENT},
            )
        return client

    async def send(self, hook: Hook, title: str, message: str) -> None:
        """POST one notification; raise Transient, Ambiguous or PermanentError on failure."""
        if not self._settings.allow_private_targets:
            try:
                await check_host_resolves_public(hook.host)
            except InputError as e:
                raise PermanentError(f"webhook: {e}") from e
        headers = {"Content-Type": "application/json", **hook.headers}
        try:
            reply = await self._client(hook.verify).post(
                hook.url,
                content=body(hook, title, message),
                headers=headers,
                params=hook.params,
                auth=hook.auth or httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as e:
            raise transport_error(e) from e
        error = classify(reply.status_code, reply.headers.get("Retry-After"), utc_now())
        if error is not None:
            raise error

    async def close(self) -> None:
        """Close the pooled connections."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
