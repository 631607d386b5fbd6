"""Fixtures of the delivery tests: real SMTP and HTTP peers on loopback, a courier on a real Valkey."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
import redis.asyncio as aioredis

from services.notify.delivery.courier import Courier
from services.notify.delivery.ledger import Keys, Ledger
from services.notify.delivery.push import Pusher
from services.notify.delivery.schedule import Schedule
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from tests.delivery.factory import NOW
from tests.delivery.peers import FakeTelegram, HttpPeer, MailSink, smtp_server


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    """A plain SMTP server on loopback: (sink, port)."""
    sink = MailSink()
    with smtp_server(sink) as controller:
        yield sink, controller.port


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """A Bot API stand-in on loopback."""
    with FakeTelegram() as peer:
        yield peer


@pytest.fixture
def webhook() -> Iterator[HttpPeer]:
    """A JSON webhook sink on loopback."""
    with HttpPeer() as peer:
        yield peer


@dataclass
class Rig:
    """A courier wired to real Redis and peers, with a hand-moved clock."""

    courier: Courier
    store: SubscriptionStore
    clock: Clock
    settings: DeliverySettings
    keys: Keys
    redis: aioredis.Redis
    subs: list[Subscription] = field(default_factory=list)

    async def subscribe(self, *targets: str, **fields: object) -> Subscription:
        """Save a subscription with these targets (ids unique per test)."""
        sub = Subscription(
            id=f"sub-{uuid.uuid4().hex[:8]}",
            name=str(fields.pop("name", "aes-russia")),
            query="AES + Russia",
            targets=targets,  # type: ignore[arg-type]
            **fields,  # type: ignore[arg-type]
        )
        return await self.store.save(sub)

    async def drain(self, rounds: int = 20) -> None:
        """Run due jobs until none is due now (bounded)."""
        for _ in range(rounds):
            if not await self.courier.run_due():
                return

    async def status(self, alert_id: str) -> str:
        record = await self.courier.ledger.load(alert_id)
        return record.status if record else "missing"

    async def dead(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        entries: list[tuple[bytes, dict[bytes, bytes]]] = await self.redis.xrange(self.courier.schedule.dead_stream)
        return entries


def make_settings(
    mail_port: int | None = None, telegram: FakeTelegram | None = None, **extra: object
) -> DeliverySettings:
    """Settings pointing at the test peers, with fast retries."""
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": mail_port or 1,
        "smtp_security": "none",
        "smtp_from": "alerts@newsalert.test",
        "smtp_timeout_s": 5.0,
        "push_timeout_s": 5.0,
        "telegram_api_url": telegram.base if telegram else None,
        "allow_private_targets": True,
        "public_url": "https://alerts.newsalert.test",
        "unsubscribe_secret": "test-secret-value",
    }
    values.update(extra)
    return DeliverySettings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def rig_factory(redis: aioredis.Redis) -> AsyncIterator[object]:
    """Build rigs on the test's clean database; their connections are closed afterwards."""
    built: list[Rig] = []

    def build(settings: DeliverySettings) -> Rig:
        keys = Keys(prefix=f"test:{uuid.uuid4().hex[:8]}")
        clock = Clock()
        courier = Courier(
            ledger=Ledger(redis, keys, settings.record_ttl_s, settings.recent_alerts_kept),
            schedule=Schedule(redis, keys, dead_stream=f"{keys.prefix}:dead"),
            subscriptions=(store := SubscriptionStore(redis)),
            sender=Sender(settings, Mailer(settings), Pusher(settings)),
            settings=settings,
            clock=clock,
            rng=lambda: 0.5,
        )
        rig = Rig(courier=courier, store=store, clock=clock, settings=settings, keys=keys, redis=redis)
        built.append(rig)
        return rig

    yield build
    for rig in built:
        await rig.courier.sender.close()
