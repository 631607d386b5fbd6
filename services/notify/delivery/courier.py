"""The delivery core: accept alerts from the stream, then send due jobs with retries, digests and budgets.

``accept`` never sends: it decides (stale, duplicate, now, or later) and records a due job in
Redis, so the stage acknowledges quickly. ``run`` polls due jobs and sends them concurrently,
one at a time per channel; a failure reschedules only its own job.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from services.notify.delivery import timing
from services.notify.delivery.failure import AmbiguousError
from services.notify.delivery.ledger import Claim, Ledger, Record
from services.notify.delivery.pool import Pool
from services.notify.delivery.schedule import Schedule, alert_job, digest_job
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.targets import target_kind
from services.notify.rules.subscriptions import Subscription
from shared.errors import DeliveryError, PermanentError, TransientError
from shared.metrics import count_alert
from shared.models import Alert, utc_now

logger = logging.getLogger(__name__)

SETTLED = frozenset({"sent", "dead", "dropped", "held"})
"""Record statuses an alert job has nothing to send for (held alerts go out with their digest)."""


class SubscriptionSource(Protocol):
    """Where subscriptions are read (the rules store)."""

    async def get(self, sub_id: str) -> Subscription | None:
        """Return the subscription ``sub_id``, or None."""


def _extra(alert: Alert) -> dict[str, Any]:
    return {"subscription": alert.subscription, "channel": alert.channel, "article_id": alert.tagged.article.id}


@dataclass
class Courier:
    """Accepts alerts and runs their deliveries."""

    ledger: Ledger
    schedule: Schedule
    subscriptions: SubscriptionSource
    sender: Sender
    settings: DeliverySettings
    clock: Callable[[], datetime] = utc_now
    rng: Callable[[], float] = random.random
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)

    @property
    def policy(self) -> timing.RetryPolicy:
        """Retry bounds from settings."""
        s = self.settings
        return timing.RetryPolicy(s.retry_base_s, s.retry_cap_s, s.retry_max_attempts, s.retry_max_age_s)

    def _release(self, sub: Subscription, now: datetime) -> datetime | None:
        return timing.release_time(
            now,
            delivery=sub.delivery,
            every=sub.digest_every,
            at=sub.digest_at,
            zone=ZoneInfo(sub.timezone),
            quiet=sub.quiet_hours,
        )

    async def _target(self, alert: Alert) -> tuple[Subscription, str] | None:
        sub = await self.subscriptions.get(alert.subscription)
        target = sub.channels().get(alert.channel) if sub is not None and sub.enabled else None
        return (sub, target) if sub is not None and target is not None else None

    async def accept(self, alert: Alert) -> str:
        """Decide what happens to a new alert and record it; return the outcome's name."""
        now = self.clock()
        if timing.is_stale(alert.tagged.article, now, self.settings.max_alert_age):
            logger.info("not alerting on an old article", extra=_extra(alert))
            self._tally(None, "stale")
            return "stale"
        found = await self._target(alert)
        if found is None:
            logger.info("subscription gone, disabled or target removed; alert dropped", extra=_extra(alert))
            self._tally(None, "dropped")
            return "dropped"
        release = self._release(found[0], now)
        claim = await self.ledger.claim(alert, now, queue_job=alert_job(alert.id) if release is None else "")
        outcome = await self._route(alert, claim, release, now)
        self._tally(found[1], outcome)
        return outcome

    def _tally(self, target: str | None, outcome: str, count: int = 1) -> None:
        kind = "none" if target is None else "email" if target_kind(target) == "email" else target.split(":", 1)[0]
        for _ in range(count):
            count_alert(kind.lower(), outcome)
        self.tally[outcome] = self.tally.get(outcome, 0) + count

    async def _route(self, alert: Alert, claim: Claim, release: datetime | None, now: datetime) -> str:
        if claim.owner != alert.id:
            if claim.status != "held":
                logger.debug("story already alerted on this channel (%s)", claim.owner, extra=_extra(alert))
                return "duplicate"
            await self.ledger.add_record(alert, "held", now, reason=f"same story as {claim.owner}")
            await self.schedule.hold(alert, now)
            return "held"
        if claim.status not in ("queued", "held"):
            return claim.status  # a redelivered alert already in hand
        if release is None and claim.status == "queued":
            self._wake.set()  # the claim script put its job in the due set
            return "queued"
        await self._hold(alert, release or now, now, "digest or quiet hours")
        return "held"

    async def _hold(self, alert: Alert, release: datetime, now: datetime, reason: str) -> None:
        await self.ledger.set_status([alert.id], "held", now, reason=reason)
        await self.schedule.hold(alert, now)
        await self.schedule.at(digest_job(alert.subscription, alert.channel), release, earlier_only=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Run due jobs until ``stop`` is set, keeping up to ``max_parallel_sends`` in flight (a background task)."""
        pool = Pool(
            self.settings.max_parallel_sends, self._claim, self._run_job, self.settings.poll_interval_s, self._wake
        )
        await pool.run(stop)
        await self.sender.close()
        summary = " ".join(f"{k}={v}" for k, v in sorted(self.tally.items()))
        logger.info("delivery stopped: %s", summary or "nothing happened")

    async def _claim(self, limit: int) -> list[str]:
        try:
            return await self.schedule.claim(self.clock(), self.settings.lease_s, limit)
        except RedisError as e:
            logger.warning("delivery poll failed, retrying: %s", e)
            return []

    async def run_due(self) -> int:
        """Claim due jobs and run them concurrently; return how many were claimed."""
        limit = self.settings.max_parallel_sends
        jobs = await self.schedule.claim(self.clock(), self.settings.lease_s, limit)
        await asyncio.gather(*(self._run_job(job) for job in jobs))
        return len(jobs)

    async def _run_job(self, job: str) -> None:
        kind, _, rest = job.partition(":")
        try:
            if kind == "alert":
                await self._run_alert(job, rest)
            elif kind == "digest":
                sub_id, _, channel = rest.partition(":")
                await self._run_digest(job, sub_id, channel)
            else:
                await self.schedule.done(job)
        except Exception:  # the job's lease brings it back; one bad job never stops the poller
            logger.exception("delivery job %s failed; it will be retried after its lease", job)

    def _lock(self, channel: str) -> asyncio.Lock:
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(channel, asyncio.Lock())

    async def _budget_wait(self, target: str, channel: str, now: datetime) -> float:
        if target_kind(target) != "push":
            return 0.0
        return self._budget(target, await self.schedule.sent_times(channel, now), now)

    def _budget(self, target: str, sent: list[float], now: datetime) -> float:
        if target_kind(target) != "push":
            return 0.0
        budget = timing.Budget(self.settings.chat_per_second, self.settings.chat_per_minute)
        return timing.budget_wait_s(sent, now.timestamp(), budget)

    async def _run_alert(self, job: str, alert_id: str) -> None:
        known = self.ledger.known(alert_id)
        if known is None:  # not recorded or loaded by this process: read it first to learn its channel
            loaded = await self.ledger.load(alert_id)
            if loaded is None or loaded.status in SETTLED:
                await self.schedule.done(job)
                return
            known = loaded.alert
        now = self.clock()
        async with self._lock(known.channel):
            # record, subscription and the channel's send times in one round trip; the record is marked sending
            (record, sent), found = await asyncio.gather(
                self.ledger.start(alert_id, known.channel, now), self._target(known)
            )
            if record is None or record.status in SETTLED:
                await self.schedule.done(job)
                return
            alert = record.alert
            if alert.subscription != known.subscription:
                found = await self._target(alert)
            if found is None:
                reason = "subscription disabled or target removed"
                await self.ledger.set_status([alert_id], "dropped", now, reason=reason)
                await self.schedule.done(job)
                return
            sub, target = found
            if record.status == "sending":
                logger.warning("resending after an interrupted send: may duplicate (ambiguous)", extra=_extra(alert))
            wait = self._budget(target, sent, now)
            if wait > 0:
                await self._hold(alert, now + timedelta(seconds=wait), now, "chat budget: folded into a digest")
                await self.schedule.done(job)
                return
            error = await self._attempt(sub, target, [alert], job, marked=True)
        if error is None:
            return
        first = await self.ledger.first_failure(alert_id, now)
        if await self._after_failure(job, [alert], error, record.attempts + 1, first):
            await self.schedule.done(job)

    def _pending(self, record: Record | None, now: datetime) -> bool:
        if record is None or record.status in ("sent", "dead", "dropped"):
            return False
        stale = record.updated is None or (now - record.updated).total_seconds() > self.settings.lease_s
        return record.status in ("held", "retrying", "queued") or stale

    async def _digest_alerts(self, ids: list[str], now: datetime) -> list[Alert]:
        """Pending alerts of a digest buffer; an extra outlet whose story already went out is dropped."""
        alerts = [r.alert for r in [await self.ledger.load(i) for i in ids] if r and self._pending(r, now)]
        batch = {a.id for a in alerts}
        kept: list[Alert] = []
        late: list[Alert] = []
        for alert in alerts:
            owner = await self.ledger.owner(alert)
            (kept if owner in (alert.id, "") or owner in batch else late).append(alert)
        await self.ledger.set_status([a.id for a in late], "dropped", now, reason="story already alerted")
        return kept

    async def _run_digest(self, job: str, sub_id: str, channel: str) -> None:
        now = self.clock()
        ids = await self.schedule.held(sub_id, channel)
        alerts = await self._digest_alerts(ids, now)
        found = await self._target(alerts[0]) if alerts else None
        if found is None:
            await self.ledger.set_status([a.id for a in alerts], "dropped", now, reason="subscription gone")
            await self._finish_digest(job, sub_id, channel, ids, None)
            return
        sub, target = found
        async with self._lock(channel):
            wait = await self._budget_wait(target, channel, now)
            if wait > 0:
                await self.schedule.at(job, now + timedelta(seconds=wait))
                return
            error = await self._attempt(sub, target, alerts)
        if error is None:
            await self.schedule.client.delete(self.schedule.keys.digest(sub_id, channel))
            await self._finish_digest(job, sub_id, channel, ids, sub)
            return
        attempts, first = await self._digest_failure(sub_id, channel, now)
        if await self._after_failure(job, alerts, error, attempts, first):
            await self.schedule.client.delete(self.schedule.keys.digest(sub_id, channel))
            await self._finish_digest(job, sub_id, channel, ids, sub)

    async def _finish_digest(
        self, job: str, sub_id: str, channel: str, ids: list[str], sub: Subscription | None
    ) -> None:
        left = await self.schedule.release(sub_id, channel, ids, job)
        if left:
            release = self._release(sub, self.clock()) if sub is not None else None
            await self.schedule.at(job, release or self.clock())

    async def _digest_failure(self, sub_id: str, channel: str, now: datetime) -> tuple[int, datetime]:
        key = self.schedule.keys.digest(sub_id, channel)
        attempts = int(await self.schedule.client.hincrby(key, "attempts", 1))
        await self.schedule.client.hsetnx(key, "first_failure", now.isoformat())
        first = await self.schedule.client.hget(key, "first_failure")
        return attempts, datetime.fromisoformat(first.decode() if isinstance(first, bytes) else str(first))

    async def _attempt(
        self, sub: Subscription, target: str, alerts: list[Alert], job: str = "", *, marked: bool = False
    ) -> DeliveryError | None:
        """Send (``marked``: the alerts are already recorded as sending); on success record it
        (status, chat budget, and ``job`` done) in one script."""
        now, ids = self.clock(), [a.id for a in alerts]
        if not marked:
            await self.ledger.set_status(ids, "sending", now)
        try:
            await self.sender.send(sub, target, alerts, now)
        except DeliveryError as e:
            ambiguous = isinstance(e, AmbiguousError)
            level = logging.WARNING if ambiguous else logging.INFO
            logger.log(level, "delivery failed%s: %s", " (ambiguous)" * ambiguous, e, extra=_extra(alerts[0]))
            self._tally(target, "ambiguous" if ambiguous else "failed", len(alerts))
            return e
        budget = (alerts[0].channel, now) if target_kind(target) == "push" else None
        await self.ledger.record_sent(ids, self.clock(), job=job, budget=budget)
        self._tally(target, "sent", len(alerts))
        logger.debug("delivered %d alert(s)", len(alerts), extra=_extra(alerts[0]))  # counted; summed up at stop
        return None

    async def _after_failure(
        self, job: str, alerts: list[Alert], error: DeliveryError, attempts: int, first: datetime
    ) -> bool:
        """Reschedule the job or dead-letter its alerts; return True when they were dead-lettered."""
        now, ids = self.clock(), [a.id for a in alerts]
        delay = None
        if isinstance(error, TransientError) and not isinstance(error, PermanentError):
            delay = timing.retry_delay_s(attempts, first, now, error.retry_after_s, policy=self.policy, rng=self.rng)
        if delay is not None:
            await self.ledger.set_status(ids, "retrying", now, reason=str(error), attempts=attempts)
            await self.schedule.at(job, now + timedelta(seconds=delay))
            return False
        reason = f"{error} (after {attempts} attempt{'s' * (attempts != 1)})"
        for alert in alerts:
            await self.schedule.bury(alert, reason, attempts, now)
            logger.warning("dead-lettered: %s", reason, extra=_extra(alert))
        await self.ledger.set_status(ids, "dead", now, reason=reason, attempts=attempts)
        self._tally(None, "dead", len(alerts))
        return True
