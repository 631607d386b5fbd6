"""Tagged articles kept in Redis for backtests, trimmed to the retention window.

One stream, ``newsalert:archive``, entry ids in milliseconds of archiving time, so
reading a period is one XRANGE and trimming is ``XADD ... MINID``. Each entry holds
the article's JSON, zlib-compressed: texts dominate and compress about threefold.
Articles archived together (a stage's batch runs its handlers concurrently) share one
round trip.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from shared.errors import RedisUnavailable
from shared.models import TaggedArticle, utc_now
from shared.roundtrip import RoundTrip, pipelined
from shared.streams import PREFIX

logger = logging.getLogger(__name__)

ARCHIVE = f"{PREFIX}:archive"
READ_BATCH = 500
LEVEL = 1
"""zlib level: on a 12.8 kB tagged article, 3.9 kB in 70 µs at 1 against 3.6 kB in 166 µs at 6."""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class _Entry:
    """An article waiting for the next round trip."""

    article_id: str
    body: bytes


class Archive:
    """Append tagged articles; read them back by period."""

    def __init__(self, redis: aioredis.Redis, retention_days: float = 30.0) -> None:
        self.redis = redis
        self.retention = timedelta(days=retention_days)
        self._round_trip = RoundTrip(
            pipelined(redis, self._queue), lambda e: f"archive: cannot keep article {e.article_id}"
        )

    async def add(self, tagged: TaggedArticle) -> None:
        """Keep ``tagged`` for backtests and drop what fell out of the retention window."""
        body = zlib.compress(tagged.model_dump_json().encode(), LEVEL)
        await self._round_trip.ask(_Entry(tagged.article.id, body))

    async def _queue(self, pipe: Pipeline, batch: list[_Entry]) -> None:
        oldest = _ms(utc_now() - self.retention)
        for n, entry in enumerate(batch, 1):
            # exact trimming once per round trip: it only removes the few entries that just expired
            minid = oldest if n == len(batch) else None
            pipe.xadd(ARCHIVE, {"id": entry.article_id, "z": entry.body}, minid=minid, approximate=False)

    async def since(self, start: datetime) -> AsyncIterator[TaggedArticle]:
        """Yield the archived articles from ``start`` on, oldest first, each article once."""
        seen: set[str] = set()
        cursor = f"{_ms(start)}-0"
        while True:
            try:
                entries = await self.redis.xrange(ARCHIVE, min=cursor, max="+", count=READ_BATCH) or []
            except RedisError as e:
                raise RedisUnavailable(f"archive: cannot read articles: {e}") from e
            for _entry_id, fields in entries:
                tagged = _decode(fields or {})
                if tagged is not None and tagged.article.id not in seen:
                    seen.add(tagged.article.id)
                    yield tagged
            if len(entries) < READ_BATCH:
                return
            last = entries[-1][0].decode() if isinstance(entries[-1][0], bytes) else str(entries[-1][0])
            cursor = f"({last}"

    async def count(self) -> int:
        """Return how many entries the archive holds."""
        return int(await self.redis.xlen(ARCHIVE))


def _decode(fields: Mapping[bytes | str, bytes | str]) -> TaggedArticle | None:
    body = fields.get(b"z")
    try:
        if not isinstance(body, bytes):
            raise KeyError("z")
        return TaggedArticle.model_validate_json(zlib.decompress(body))
    except (KeyError, zlib.error, ValidationError):
        logger.warning("skipping an unreadable archived article", extra={"article_id": str(fields.get(b"id"))})
        return None
