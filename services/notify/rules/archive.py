"""Tagged articles kept in Redis for backtests, trimmed to the retention window.

One stream, ``newsalert:archive``, entry ids in milliseconds of archiving time, so
reading a period is one XRANGE and trimming is ``XADD ... MINID``. Each entry holds
the article's JSON, zlib-compressed: texts dominate and compress about threefold.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError

from shared.errors import RedisUnavailable
from shared.models import TaggedArticle, utc_now
from shared.streams import PREFIX

logger = logging.getLogger(__name__)

ARCHIVE = f"{PREFIX}:archive"
READ_BATCH = 500


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class Archive:
    """Append tagged articles; read them back by period."""

    def __init__(self, redis: aioredis.Redis, retention_days: float = 30.0) -> None:
        self.redis = redis
        self.retention = timedelta(days=retention_days)

    async def add(self, tagged: TaggedArticle) -> None:
        """Keep ``tagged`` for backtests and drop what fell out of the retention window."""
        body = zlib.compress(tagged.model_dump_json().encode(), 6)
        oldest = _ms(utc_now() - self.retention)
        try:
            # exact trimming: each add only removes the few entries that just expired
            await self.redis.xadd(ARCHIVE, {"id": tagged.article.id, "z": body}, minid=oldest, approximate=False)
        except RedisError as e:
            raise RedisUnavailable(f"archive: cannot keep article {tagged.article.id}: {e}") from e

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
