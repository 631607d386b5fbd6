"""Due times in Redis: retries, digests and held alerts, claimed by pollers under a lease.

A job is ``alert:<id>`` (one alert) or ``digest:<subscription>:<channel>``. A poller claims
due jobs by pushing their due time forward by a lease, so a crashed sender's job comes back.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import cast

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from services.notify.delivery.coalescer import Coalescer
from services.notify.delivery.ledger import SENT_KEPT_S, Keys, text
from shared.commit import encode_entry
from shared.models import Alert, DeadLetter
from shared.streams import ALERTS, DEAD_MAXLEN, DELIVER_GROUP, DONE_TTL_S, dead

_CLAIM = """
local jobs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, job in ipairs(jobs) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], job) end
return jobs
"""

_BURY = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return false end
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', '__data__', ARGV[3])
"""
_RELEASE = """
for i = 2, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return left
"""


def alert_job(alert_id: str) -> str:
    """Job name of one alert's delivery."""
    return f"alert:{alert_id}"


def digest_job(subscription: str, channel: str) -> str:
    """Job name of a subscription channel's digest."""
    return f"digest:{subscription}:{channel}"


class Schedule:
    """The due set, digest buffers, per-channel send history and the dead-letter stream.

    Budget reads and finished jobs go through ``rounds`` (shared with the ledger), so those of
    concurrent sends share round trips.
    """

    def __init__(
        self, client: aioredis.Redis, keys: Keys, dead_stream: str = dead(ALERTS), rounds: Coalescer | None = None
    ) -> None:
        self.client = client
        self.keys = keys
        self.dead_stream = dead_stream
        self.rounds = rounds or Coalescer(client)
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)
        self._bury = client.register_script(_BURY)

    async def at(self, job: str, when: datetime, *, earlier_only: bool = False) -> None:
        """Set a job's due time; with ``earlier_only`` an existing earlier time wins."""
        if earlier_only:
            await self.client.zadd(self.keys.due, {job: when.timestamp()}, lt=True)
        else:
            await self.client.zadd(self.keys.due, {job: when.timestamp()})

    async def ensure(self, job: str, when: datetime) -> None:
        """Add a job unless it is already scheduled (or leased)."""
        await self.client.zadd(self.keys.due, {job: when.timestamp()}, nx=True)

    async def claim(self, now: datetime, lease_s: float, limit: int) -> list[str]:
        """Take up to ``limit`` due jobs, leasing each for ``lease_s`` seconds."""
        args = [now.timestamp(), now.timestamp() + lease_s, limit]
        jobs = await self.rounds.script(self._claim, [self.keys.due], args)
        return [text(j) for j in jobs]

    async def done(self, job: str) -> None:
        """Forget a finished job."""
        await self.rounds.run(lambda pipe: self.queue_done(pipe, job))

    async def next_due(self) -> float | None:
        """Epoch seconds of the earliest job, or None when there is none."""
        first = cast(list[tuple[bytes, float]], await self.client.zrange(self.keys.due, 0, 0, withscores=True))
        return float(first[0][1]) if first else None

    async def hold(self, alert: Alert, now: datetime) -> None:
        """Put an alert in its subscription channel's digest buffer."""
        key = self.keys.held(alert.subscription, alert.channel)
        await self.client.zadd(key, {alert.id: now.timestamp()}, nx=True)

    async def held(self, subscription: str, channel: str) -> list[str]:
        """Alert ids waiting in a digest buffer, oldest first."""
        return [text(i) for i in await self.client.zrange(self.keys.held(subscription, channel), 0, -1)]

    async def release(self, subscription: str, channel: str, alert_ids: list[str], job: str) -> int:
        """Remove handled alerts from a digest buffer, and its job once empty; return how many wait."""
        keys = [self.keys.held(subscription, channel), self.keys.due]
        return int(await self._release(keys=keys, args=[job, *alert_ids]))

    async def sent_times(self, channel: str, now: datetime) -> list[float]:
        """Send times of a channel within the last minute."""
        key = self.keys.sent(channel)

        def queue(pipe: Pipeline) -> None:
            pipe.zremrangebyscore(key, "-inf", now.timestamp() - 60)
            pipe.zrange(key, 0, -1, withscores=True)

        _, pairs = cast(tuple[int, list[tuple[bytes, float]]], await self.rounds.run(queue))
        return [float(score) for _, score in pairs]

    async def note_sent(self, channel: str, now: datetime) -> None:
        """Count one message against a channel's budget."""
        await self.rounds.run(lambda pipe: self.queue_note_sent(pipe, channel, now))

    def queue_note_sent(self, pipe: Pipeline, channel: str, now: datetime) -> None:
        """Add the writes of ``note_sent`` to ``pipe``."""
        key = self.keys.sent(channel)
        pipe.zadd(key, {uuid.uuid4().hex: now.timestamp()})
        pipe.expire(key, SENT_KEPT_S)

    def queue_done(self, pipe: Pipeline, job: str) -> None:
        """Add the removal of a finished job to ``pipe``."""
        pipe.zrem(self.keys.due, job)

    async def bury(self, alert: Alert, reason: str, attempts: int, now: datetime) -> str | None:
        """Write an alert to the dead-letter stream with its reason, once; return the entry id (None if already).

        The dead letter and its mark are one script: a courier killed after burying an alert but
        before recording it dead buries it again on its retry, which must not write a second letter.
        """
        letter = DeadLetter(
            origin_stream=ALERTS,
            origin_id=alert.id,
            group=DELIVER_GROUP,
            reason=reason,
            deliveries=attempts,
            failed_at=now,
            payload_b64=base64.b64encode(alert.model_dump_json().encode()).decode(),
        )
        data = encode_entry(letter)
        keys = [self.keys.buried(alert.id), self.dead_stream]
        entry = await self._bury(keys=keys, args=[DONE_TTL_S, DEAD_MAXLEN, data])
        return None if entry is None else text(entry)
