"""The latest tagged articles, read back from the tagged stream for listings and previews.

The shelf reads the stream once, then only what is new since its newest entry, and keeps
at most ``capacity`` decoded articles: a preview then costs its matching, not a reload
of thousands of articles from Redis.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import cast

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.exceptions import RedisError

from shared.errors import InputError, RedisUnavailable
from shared.models import TaggedArticle, utc_now
from shared.stage import decode_payload
from shared.streams import ARTICLE_TTL_S, TAGGED

logger = logging.getLogger(__name__)

PAGE = 500
Entries = list[tuple[bytes, dict[bytes, bytes]]]
Shelved = list[tuple[str, TaggedArticle]]


class Shelf:
    """Newest-first tagged articles, refreshed incrementally from :data:`shared.streams.TAGGED`."""

    def __init__(
        self,
        client: aioredis.Redis,
        capacity: int,
        max_age_s: int = ARTICLE_TTL_S,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.client = client
        self.capacity = capacity
        self.max_age_s = max_age_s
        self.clock = clock
        self._entries: Shelved = []
        self._complete = False  # nothing older than the oldest kept entry is left in the stream
        self._lock = asyncio.Lock()

    async def latest(self, limit: int) -> list[TaggedArticle]:
        """Up to ``limit`` distinct articles, newest tagging first, none older than ``max_age_s``.

        An article tagged twice (an edited update) appears once, in its latest version.
        """
        wanted = min(limit, self.capacity)
        async with self._lock:
            await self._refresh(wanted)
        oldest = self.clock() - timedelta(seconds=self.max_age_s)
        seen: set[str] = set()
        found: list[TaggedArticle] = []
        for _entry_id, tagged in self._entries:
            if len(found) >= limit or tagged.tagged < oldest:
                break
            if tagged.article.id not in seen:
                seen.add(tagged.article.id)
                found.append(tagged)
        return found

    async def _refresh(self, wanted: int) -> None:
        if self._entries:
            fresh = await self._read(upper="+", lower="(" + self._entries[0][0], count=wanted)
            self._entries = fresh + self._entries if len(fresh) < wanted else fresh
            self._complete = self._complete and len(fresh) < wanted
        else:
            self._entries = await self._read(upper="+", lower="-", count=wanted)
            self._complete = len(self._entries) < wanted
        missing = wanted - len(self._entries)
        if missing > 0 and not self._complete and self._entries:
            older = await self._read(upper="(" + self._entries[-1][0], lower="-", count=missing)
            self._entries += older
            self._complete = len(older) < missing
        if len(self._entries) > self.capacity:
            del self._entries[self.capacity :]
            self._complete = False

    async def _read(self, upper: str, lower: str, count: int) -> Shelved:
        """Read up to ``count`` entries between ``lower`` and ``upper``, newest first, decoded."""
        found: Shelved = []
        while len(found) < count:
            page = min(PAGE, count - len(found))
            try:
                raw = await self.client.xrevrange(TAGGED, max=upper, min=lower, count=page)
            except RedisError as e:
                raise RedisUnavailable(f"article shelf: cannot read {TAGGED}: {e}") from e
            entries = cast(Entries, raw)
            for entry_id, fields in entries:
                tagged = _decode(_text(entry_id), fields)
                if tagged is not None:
                    found.append((_text(entry_id), tagged))
            if len(entries) < page:
                break
            upper = "(" + _text(entries[-1][0])
        return found


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(entry_id: str, fields: dict[bytes, bytes]) -> TaggedArticle | None:
    try:
        return TaggedArticle.model_validate_json(decode_payload(fields))
    except (InputError, ValidationError, ValueError) as e:
        logger.warning("skipping unreadable tagged entry %s: %s", entry_id, e, extra={"stream": TAGGED})
        return None
