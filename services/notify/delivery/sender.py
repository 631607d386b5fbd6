"""Send one message (a single alert or a digest) to one target, through the right channel."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from services.notify.delivery import render
from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.push import Pusher
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer
from services.notify.delivery.targets import email_address, target_kind
from services.notify.delivery.tokens import unsubscribe_url
from services.notify.delivery.webhook import Webhook
from services.notify.rules.subscriptions import Subscription
from shared.errors import InputError, PermanentError
from shared.models import Alert

SEND_SLACK_S = 5.0
"""Beyond the channel's own timeouts, the most one send may take (DNS, apprise's thread hand-off)."""


def message_key(alerts: list[Alert]) -> str:
    """A key stable across retries of the same message (Message-ID of an email)."""
    if len(alerts) == 1:
        return alerts[0].id
    joined = "|".join(sorted(a.id for a in alerts))
    return "digest-" + hashlib.sha256(joined.encode()).hexdigest()[:24]


class Sender:
    """Renders alerts for a target's channel and sends them; raises delivery errors."""

    def __init__(
        self, settings: DeliverySettings, mailer: Mailer, pusher: Pusher, webhook: Webhook | None = None
    ) -> None:
        self.settings = settings
        self.mailer = mailer
        self.pusher = pusher
        self.webhook = webhook or Webhook(settings)

    def _unsubscribe(self, sub: Subscription) -> str | None:
        secret = self.settings.unsubscribe_secret
        return unsubscribe_url(self.settings.public_url, secret.get_secret_value() if secret else None, sub.id)

    async def send(self, sub: Subscription, target: str, alerts: list[Alert], now: datetime) -> None:
        """Deliver ``alerts`` as one message to ``target``, within a hard deadline (else AmbiguousError)."""
        deadline = max(self.settings.smtp_timeout_s, self.settings.push_timeout_s) + SEND_SLACK_S
        try:
            async with asyncio.timeout(deadline):
                await self._send(sub, target, alerts, now)
        except TimeoutError as e:
            raise AmbiguousError(f"send: no outcome within {deadline:g}s; it may have arrived") from e

    async def _send(self, sub: Subscription, target: str, alerts: list[Alert], now: datetime) -> None:
        zone = ZoneInfo(sub.timezone)
        if target_kind(target) == "email":
            try:
                recipient = email_address(target)
            except InputError as e:
                raise PermanentError(f"smtp: {e}") from e
            link = self._unsubscribe(sub)
            content = render.email_content(sub.name, alerts, zone, link)
            message = render.email_message(
                content,
                sender=self.settings.smtp_from,
                recipient=recipient,
                message_id=message_key(alerts),
                date=now,
                unsubscribe_url=link,
            )
            await self.mailer.send(message, recipient)
        elif target.lower().startswith(("tgram://", "telegram://")):
            await self.pusher.send(target, "", render.telegram_html(sub.name, alerts, zone), html=True)
        else:
            title, body = render.plain_text(sub.name, alerts, zone)
            hook = self.webhook.hook(target)
            if hook is not None:
                await self.webhook.send(hook, title, body)
            else:
                await self.pusher.send(target, title, body, html=False)

    async def close(self) -> None:
        """Release connections held for bursts."""
        await self.mailer.close()
        await self.webhook.close()
