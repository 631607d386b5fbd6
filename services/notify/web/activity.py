"""What delivery did lately, read from its ledger: recent alerts with their status, and counts per rule."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.notify.delivery.ledger import Keys, text
from shared.errors import RedisUnavailable

COUNTED_STATUSES = frozenset({"queued", "held", "sending", "retrying", "sent", "dead"})
"""Statuses of alerts a rule raised (dropped ones were never going to be sent)."""
HEAD_BYTES = 4_096
"""An alert's JSON names its subscription and story before its (long) article: the head suffices."""

# Runs in Redis so that counting thousands of alerts moves a few bytes each, not their articles.
# Record keys are derived from the ids read (fine on the single Redis newsalert runs on).
_MARKS = """
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, ARGV[2])
local out = {}
for i = 1, #ids, 2 do
  local fields = redis.call('HMGET', ARGV[3] .. ids[i], 'payload', 'status')
  if fields[1] then
    local head = string.sub(fields[1], 1, tonumber(ARGV[4]))
    out[#out + 1] = string.match(head, '"subscription":"([^"]*)"') or ''
    out[#out + 1] = string.match(head, '"story":"([^"]*)"') or ''
    out[#out + 1] = fields[2] or ''
    out[#out + 1] = ids[i + 1]
  end
end
return out
"""


@dataclass(frozen=True, slots=True)
class Mark:
    """The little that counting needs of one alert: whose, which story, its status, when it arrived."""

    subscription: str
    story: str
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert on one channel, as the ledger last recorded it."""

    alert_id: str
    subscription: str
    channel: str
    story: str
    title: str
    url: str | None
    lang: str
    status: str
    reason: str
    attempts: int
    created: datetime


def _delivery(alert_id: str, fields: list[Any]) -> Delivery | None:
    payload, status, reason, attempts = (text(f) for f in fields)
    if not payload:
        return None
    data = json.loads(payload)
    tagged = data.get("tagged", {})
    article = tagged.get("article", {})
    return Delivery(
        alert_id=alert_id,
        subscription=str(data.get("subscription", "")),
        channel=str(data.get("channel", "")),
        story=str(data.get("story", "")),
        title=str(article.get("title") or article.get("text", "")[:120]),
        url=article.get("url"),
        lang=str(tagged.get("lang", "")),
        status=status or "unknown",
        reason=reason,
        attempts=int(attempts or 0),
        created=datetime.fromisoformat(data["created"]) if data.get("created") else datetime.now(UTC),
    )


async def recent_deliveries(
    client: aioredis.Redis, since: datetime, limit: int, keys: Keys | None = None
) -> list[Delivery]:
    """The alerts recorded since ``since``, newest first (at most ``limit``)."""
    keys = keys or Keys()
    try:
        ids = [text(i) for i in await client.zrevrangebyscore(keys.recent, "+inf", since.timestamp(), 0, limit)]
        async with client.pipeline(transaction=False) as pipe:
            for alert_id in ids:
                pipe.hmget(keys.record(alert_id), ["payload", "status", "reason", "attempts"])
            rows = await pipe.execute()
    except RedisError as e:
        raise RedisUnavailable(f"alert activity: cannot read the delivery ledger: {e}") from e
    found = [_delivery(alert_id, row) for alert_id, row in zip(ids, rows, strict=True)]
    return [d for d in found if d is not None]


async def recent_marks(client: aioredis.Redis, since: datetime, limit: int, keys: Keys | None = None) -> list[Mark]:
    """The alerts that arrived since ``since`` (at most ``limit``), reduced to :class:`Mark`."""
    keys = keys or Keys()
    prefix = keys.record("")
    try:
        reply = await client.eval(_MARKS, 1, keys.recent, since.timestamp(), limit, prefix, HEAD_BYTES)
    except RedisError as e:
        raise RedisUnavailable(f"alert activity: cannot read the delivery ledger: {e}") from e
    values = [text(v) for v in reply]
    return [
        Mark(values[i], values[i + 1], values[i + 2], datetime.fromtimestamp(float(values[i + 3]), UTC))
        for i in range(0, len(values) - 3, 4)
    ]


def counts(marks: list[Mark], now: datetime) -> dict[str, tuple[int, int]]:
    """Per rule, how many stories alerted in the last 24 hours and 7 days (several channels count once)."""
    day: dict[str, set[str]] = defaultdict(set)
    week: dict[str, set[str]] = defaultdict(set)
    for d in marks:
        if d.status not in COUNTED_STATUSES:
            continue
        age = now - d.at
        if age <= timedelta(days=7):
            week[d.subscription].add(d.story)
        if age <= timedelta(days=1):
            day[d.subscription].add(d.story)
    return {sub: (len(day[sub]), len(stories)) for sub, stories in week.items()}
