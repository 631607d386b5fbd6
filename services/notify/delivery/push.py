"""Chat channel: one apprise object per target, explicit body format, result and logged reason classified."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from typing import Any

import apprise

from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.targets import WEBHOOK_SCHEMAS, check_host_resolves_public
from shared.errors import DeliveryError, InputError, PermanentError, TransientError

logger = logging.getLogger(__name__)

MAX_CACHED_TARGETS = 1_024
PERMANENT_CODES = frozenset({400, 401, 403, 404, 405, 410, 413, 422})
_CODE = re.compile(r"error=(\d{3})")
_WAIT = re.compile(r"retry after (\d+)", re.IGNORECASE)
_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+|\d{6,}:[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    """Remove bot tokens and credentials from a reason before it is logged or stored."""
    return re.sub(r"://[^/@\s]+@", "://***@", _TOKEN.sub("***", text))


def classify(status: apprise.AppriseResultStatus, reasons: str, timeout_s: float) -> DeliveryError:
    """Turn a failed apprise result and its captured log text into a delivery error."""
    reason = redact(" ".join(reasons.split()))[:300] or "no reason logged"
    if status == apprise.AppriseResultStatus.TIMEOUT:
        return AmbiguousError(f"push: no answer within {timeout_s:g}s; the message may have arrived")
    code_m, wait_m = _CODE.search(reasons), _WAIT.search(reasons)
    code = int(code_m[1]) if code_m else None
    if wait_m or code == 429:
        return TransientError(f"push: rate limited: {reason}", float(wait_m[1]) if wait_m else None)
    if code in PERMANENT_CODES or status == apprise.AppriseResultStatus.NOMATCH:
        return PermanentError(f"push: refused: {reason}")
    return TransientError(f"push: failed: {reason}")


class Pusher:
    """Sends chat and webhook alerts through apprise, keeping one apprise object per target."""

    def __init__(self, settings: DeliverySettings) -> None:
        self._settings = settings
        self._apps: OrderedDict[str, tuple[apprise.Apprise, Any]] = OrderedDict()

    def _app(self, target: str) -> tuple[apprise.Apprise, Any]:
        key = hashlib.sha256(target.encode()).hexdigest()
        if key in self._apps:
            self._apps.move_to_end(key)
            return self._apps[key]
        service = apprise.Apprise.instantiate(target)
        if service is None:
            raise PermanentError("push: target URL is not supported or malformed")
        base = self._settings.telegram_api_url
        if base and service.service_name == "Telegram":
            # the Telegram plugin reads its API base from this attribute; set per instance, not globally
            service.notify_url = f"{base}/bot"  # type: ignore[attr-defined]
        app = apprise.Apprise()
        app.add(service)
        self._apps[key] = (app, service)
        if len(self._apps) > MAX_CACHED_TARGETS:
            self._apps.popitem(last=False)
        return app, service

    async def send(self, target: str, title: str, body: str, *, html: bool) -> None:
        """Send one message to ``target``; raise Transient, Ambiguous or PermanentError on failure."""
        app, service = self._app(target)
        schema = target.split("://", 1)[0].lower()
        if schema in WEBHOOK_SCHEMAS and not self._settings.allow_private_targets:
            try:
                await check_host_resolves_public(str(service.host or ""))
            except InputError as e:
                raise PermanentError(f"push: {e}") from e
        fmt = apprise.NotifyFormat.HTML if html else apprise.NotifyFormat.TEXT
        timeout = self._settings.push_timeout_s
        result = await app.async_notify(title=title, body=body, body_format=fmt, timeout=timeout)
        if result:
            return
        reasons = " ".join(e.message for svc in result.results if not svc for e in svc.logs())
        raise classify(result.status, reasons, timeout)
