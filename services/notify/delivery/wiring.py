"""Build the delivery core from a service's Redis client: what the notify app factory calls."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.notify.delivery.courier import Courier
from services.notify.delivery.ledger import Keys, Ledger
from services.notify.delivery.push import Pusher
from services.notify.delivery.schedule import Schedule
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer
from services.notify.rules.store import SubscriptionStore


def build_courier(client: aioredis.Redis, settings: DeliverySettings | None = None) -> Courier:
    """A courier on ``client`` (a bytes client) reading subscriptions from the rules store."""
    settings = settings or DeliverySettings()
    keys = Keys()
    return Courier(
        ledger=Ledger(client, keys, settings.record_ttl_s, settings.recent_alerts_kept),
        schedule=Schedule(client, keys),
        subscriptions=SubscriptionStore(client),
        sender=Sender(settings, Mailer(settings), Pusher(settings)),
        settings=settings,
    )
