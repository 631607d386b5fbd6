"""The delivery ledger: one alert per (subscription, story, channel), and each alert's record.

``claim`` decides, atomically in Redis, whether an alert is the first of its story on its
channel; the record holds the alert, its status and attempts for `newsalert alerts`.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.asyncio.client import Pipeline

from services.notify.delivery.coalescer import Coalescer
from shared.models import Alert
from shared.streams import PREFIX

Status = Literal["queued", "held", "sending", "retrying", "sent", "dead", "dropped"]
logger = logging.getLogger(__name__)

FINAL: frozenset[str] = frozenset({"sent", "dead", "dropped"})
KEPT_TEXT_CHARS = 20_000
"""Article text kept with an alert: enough for every snippet, bounded for Redis memory."""
PARSED_KEPT = 1_024
"""Alerts this process recorded, kept parsed so that loading one back to send it does not parse it again
(a backlog beyond this is parsed as before; each holds at most KEPT_TEXT_CHARS of text)."""


def compact(alert: Alert) -> Alert:
    """The alert with its article text cut to what rendering can use."""
    article = alert.tagged.article
    if len(article.text) <= KEPT_TEXT_CHARS:
        return alert
    short = article.model_copy(update={"text": article.text[:KEPT_TEXT_CHARS]})
    return alert.model_copy(update={"tagged": alert.tagged.model_copy(update={"article": short})})


def text(value: object) -> str:
    """Decode a Redis reply (bytes client) to text; None becomes an empty string."""
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else str(value)


_CLAIM = """
local won = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2])
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('HSETNX', KEYS[2], 'payload', ARGV[3])
  redis.call('HSETNX', KEYS[2], 'status', 'queued')
  redis.call('HSETNX', KEYS[2], 'attempts', 0)
  redis.call('HSETNX', KEYS[2], 'updated', ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[6]) - 1)
end
local status = false
if owner then status = redis.call('HGET', ARGV[7] .. owner, 'status') end
if owner == ARGV[1] and status == 'queued' and ARGV[8] ~= '' then
  redis.call('ZADD', KEYS[4], 'NX', ARGV[5], ARGV[8])
end
return {won and 1 or 0, owner or '', status or ''}
"""

_START = """
local fields = redis.call('HGETALL', KEYS[1])
local has_payload, status = false, false
for i = 1, #fields, 2 do
  if fields[i] == 'payload' then has_payload = true elseif fields[i] == 'status' then status = fields[i + 1] end
end
if has_payload and status ~= 'sent' and status ~= 'dead' and status ~= 'dropped' and status ~= 'held' then
  redis.call('HSET', KEYS[1], 'status', 'sending', 'updated', ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
return {fields, redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')}
"""
_SENT = """
for i = 3, #KEYS do redis.call('HSET', KEYS[i], 'status', 'sent', 'updated', ARGV[1], 'reason', '') end
if ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[1], ARGV[4]) end
return 1
"""
BUDGET_WINDOW_S = 60
"""How far back a channel's send times are kept and read (the longest budget period)."""
SENT_KEPT_S = 120
"""Lifetime of a channel's send history after its last send (longer than the budget window)."""


@dataclass(frozen=True)
class Keys:
    """Every Redis key delivery uses, under one prefix (tests use their own)."""

    prefix: str = f"{PREFIX}:delivery"

    def story(self, subscription: str, story: str, channel: str) -> str:
        """Ledger entry: the first alert id of a story for a subscription's channel."""
        return f"{self.prefix}:ledger:{subscription}:{story}:{channel}"

    def record(self, alert_id: str) -> str:
        """Hash of one alert: payload, status, attempts, reason."""
        return f"{self.prefix}:alert:{alert_id}"

    @property
    def recent(self) -> str:
        """Sorted set of alert ids by arrival time."""
        return f"{self.prefix}:recent"

    @property
    def due(self) -> str:
        """Sorted set of jobs (one alert, or one digest) by due time."""
        return f"{self.prefix}:due"

    def held(self, subscription: str, channel: str) -> str:
        """Sorted set of alert ids waiting for a subscription channel's digest."""
        return f"{self.prefix}:held:{subscription}:{channel}"

    def digest(self, subscription: str, channel: str) -> str:
        """Hash of a pending digest's attempts and first failure."""
        return f"{self.prefix}:digest:{subscription}:{channel}"

    def buried(self, alert_id: str) -> str:
        """Marks an alert already written to the dead-letter stream (so a crash and retry write it once)."""
        return f"{self.prefix}:buried:{alert_id}"

    def sent(self, channel: str) -> str:
        """Sorted set of recent send times of a channel, for its budget."""
        return f"{self.prefix}:sent:{channel}"


@dataclass(frozen=True)
class Claim:
    """What the ledger knows of an alert's story: whose it is, and how far that alert got."""

    first: bool
    owner: str
    status: str


@dataclass(frozen=True)
class Record:
    """An alert as the ledger keeps it."""

    alert: Alert
    status: str
    attempts: int
    reason: str
    first_failure: datetime | None
    updated: datetime | None


class Ledger:
    """Reads and writes the ledger and alert records on a bytes Redis client.

    Claims, loads and status changes go through ``rounds``, so those of concurrent deliveries
    share round trips (pass the courier's one :class:`Coalescer`; by default the ledger has its own).
    """

    def __init__(
        self, client: aioredis.Redis, keys: Keys, ttl_s: int, recent_kept: int, rounds: Coalescer | None = None
    ) -> None:
        self.client = client
        self.keys = keys
        self.ttl_s = ttl_s
        self.recent_kept = recent_kept
        self.rounds = rounds or Coalescer(client)
        self._claim = client.register_script(_CLAIM)
        self._start = client.register_script(_START)
        self._sent = client.register_script(_SENT)
        self._parsed: OrderedDict[str, tuple[str, Alert]] = OrderedDict()

    def _keep_parsed(self, alert: Alert, payload: str) -> None:
        self._parsed[alert.id] = (payload, alert)
        self._parsed.move_to_end(alert.id)
        if len(self._parsed) > PARSED_KEPT:
            self._parsed.popitem(last=False)

    def known(self, alert_id: str) -> Alert | None:
        """The alert ``alert_id`` as this process last recorded or loaded it, if it still keeps it parsed."""
        kept = self._parsed.get(alert_id)
        return kept[1] if kept is not None else None

    async def claim(self, alert: Alert, now: datetime, *, queue_job: str = "") -> Claim:
        """Make ``alert`` the story's alert for its channel unless another got there first (one round trip).

        With ``queue_job``, a won claim still queued also schedules that job now, in the same script.
        """
        k = self.keys
        story_key = k.story(alert.subscription, alert.story, alert.channel)
        kept = compact(alert)
        payload = kept.model_dump_json()
        args: list[str | float] = [alert.id, self.ttl_s, payload, now.isoformat(), now.timestamp(), self.recent_kept]
        keys = [story_key, k.record(alert.id), k.recent, k.due]
        won, owner, status = await self.rounds.script(self._claim, keys, [*args, k.record(""), queue_job])
        if text(owner) == alert.id:
            self._keep_parsed(kept, payload)
        return Claim(first=bool(won), owner=text(owner), status=text(status) or "unknown")

    async def owner(self, alert: Alert) -> str:
        """The id of the alert that owns this alert's story on its channel ("" when expired)."""
        return text(await self.client.get(self.keys.story(alert.subscription, alert.story, alert.channel)))

    async def add_record(self, alert: Alert, status: Status, now: datetime, reason: str = "") -> None:
        """Keep a record of an alert that does not own its story (folded into a digest, or dropped)."""
        record = self.keys.record(alert.id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(
            record,
            mapping={"payload": compact(alert).model_dump_json(), "status": status, "attempts": 0, "reason": reason},
        )
        pipe.hset(record, "updated", now.isoformat())
        pipe.expire(record, self.ttl_s)
        pipe.zadd(self.keys.recent, {alert.id: now.timestamp()})
        await pipe.execute()

    async def set_status(
        self,
        alert_ids: list[str],
        status: Status,
        now: datetime,
        reason: str | None = None,
        attempts: int | None = None,
    ) -> None:
        """Move alerts to ``status``, noting the reason and attempt count when given."""
        if not alert_ids:
            return
        await self.rounds.run(
            lambda pipe: self.queue_status(pipe, alert_ids, status, now, reason=reason, attempts=attempts)
        )

    def queue_status(
        self,
        pipe: Pipeline,
        alert_ids: list[str],
        status: Status,
        now: datetime,
        *,
        reason: str | None = None,
        attempts: int | None = None,
    ) -> None:
        """Add the writes of ``set_status`` to ``pipe``, so they commit with the caller's other writes."""
        fields: dict[Any, Any] = {"status": status, "updated": now.isoformat()}
        if reason is not None:
            fields["reason"] = reason
        if attempts is not None:
            fields["attempts"] = attempts
        for alert_id in alert_ids:
            pipe.hset(self.keys.record(alert_id), mapping=fields)

    async def record_sent(
        self, alert_ids: list[str], sent_at: datetime, *, job: str = "", budget: tuple[str, datetime] | None = None
    ) -> None:
        """Mark alerts sent and, in the same script, forget ``job`` and count the send in ``budget``'s
        (channel, send time) history: one command, so one reply, however many writes."""
        channel, started = budget or ("", sent_at)
        member = uuid.uuid4().hex if budget else ""
        keys = [self.keys.due, self.keys.sent(channel), *(self.keys.record(i) for i in alert_ids)]
        args = [sent_at.isoformat(), started.timestamp(), member, job, SENT_KEPT_S]
        await self.rounds.script(self._sent, keys, args)

    async def first_failure(self, alert_id: str, now: datetime) -> datetime:
        """The time of the alert's first failed attempt, recorded now if this is the first."""
        key = self.keys.record(alert_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hsetnx(key, "first_failure", now.isoformat())
        pipe.hget(key, "first_failure")
        _, first = await pipe.execute()
        return datetime.fromisoformat(text(first))

    async def load(self, alert_id: str) -> Record | None:
        """Read one alert record, or None when it expired or never existed."""
        (raw,) = await self.rounds.run(lambda pipe: pipe.hgetall(self.keys.record(alert_id)))
        return self._record(alert_id, {text(k): text(v) for k, v in raw.items()})

    async def start(self, alert_id: str, channel: str, now: datetime) -> tuple[Record | None, list[float]]:
        """Read an alert's record and its channel's send times of the last minute, in one step.

        A record still to send is marked ``sending`` in the same step, before the caller decides
        to send; a caller that then does not send moves it on (dropped, held). The record
        returned holds the status from before the mark.
        """
        keys = [self.keys.record(alert_id), self.keys.sent(channel)]
        fields, sent = await self.rounds.script(self._start, keys, [now.isoformat(), now.timestamp() - BUDGET_WINDOW_S])
        pairs = {text(fields[i]): text(fields[i + 1]) for i in range(0, len(fields), 2)}
        return self._record(alert_id, pairs), [float(score) for score in sent[1::2]]

    def _record(self, alert_id: str, fields: dict[str, str]) -> Record | None:
        if "payload" not in fields:
            return None
        payload, alert = self._parsed.get(alert_id) or ("", None)
        if alert is None or payload != fields["payload"]:
            try:
                alert = Alert.model_validate_json(fields["payload"])
            except ValidationError:
                logger.exception("unreadable alert record %s skipped", alert_id)
                return None
            self._keep_parsed(alert, fields["payload"])
        return Record(
            alert=alert,
            status=fields.get("status", "unknown"),
            attempts=int(fields.get("attempts") or 0),
            reason=fields.get("reason", ""),
            first_failure=datetime.fromisoformat(fields["first_failure"]) if fields.get("first_failure") else None,
            updated=datetime.fromisoformat(fields["updated"]) if fields.get("updated") else None,
        )

    async def recent(self, limit: int) -> list[Record]:
        """The most recent alerts, newest first."""
        ids = await self.client.zrevrange(self.keys.recent, 0, limit - 1)
        records = [await self.load(text(i)) for i in ids]
        return [r for r in records if r is not None]
