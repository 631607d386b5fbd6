"""Build the delivery core from a service's Redis client: what the notify app factory calls."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.notify.delivery.coalescer import Coalescer
from services.notify.delivery.courier import Courier
from services.notify.delivery.ledger import Keys, Ledger
from services.notify.delivery.lookup import SubscriptionLookup
from services.notify.delivery.push import Pusher
from services.notify.delivery.schedule import Schedule
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer


def build_courier(client: aioredis.Redis, settings: DeliverySettings | None = None) -> Courier:
    """A courier on ``client`` (a bytes client) reading subscriptions from the rules store.

    Ledger, schedule and subscription reads share one :class:`Coalescer`, so the Redis steps
    of every alert in flight travel together.
    """
    settings = settings or DeliverySettings()
    keys = Keys()
    rounds = Coalescer(client)
    return Courier(
        ledger=Ledger(client, keys, settings.record_ttl_s, settings.recent_alerts_kept, rounds),
        schedule=Schedule(client, keys, rounds=rounds),
        subscriptions=SubscriptionLookup(rounds),
        sender=Sender(settings, Mailer(settings), Pusher(settings)),
        settings=settings,
    )
