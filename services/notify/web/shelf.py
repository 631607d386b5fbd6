"""The latest tagged articles, read back from the tagged stream (newest first) for listings and backtests."""

from __future__ import annotations

import logging
from datetime import timedelta
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


async def latest_tagged(client: aioredis.Redis, limit: int, max_age_s: int = ARTICLE_TTL_S) -> list[TaggedArticle]:
    """Return up to ``limit`` distinct articles, newest tagging first, none older than ``max_age_s``.

    An article tagged twice (an edited update) appears once, in its latest version; an
    unreadable entry is logged and skipped.
    """
    found: dict[str, TaggedArticle] = {}
    oldest = utc_now() - timedelta(seconds=max_age_s)
    upper = "+"
    while len(found) < limit:
        try:
            entries = cast(Entries, await client.xrevrange(TAGGED, max=upper, min="-", count=PAGE))
        except RedisError as e:
            raise RedisUnavailable(f"article shelf: cannot read {TAGGED}: {e}") from e
        for entry_id, fields in entries:
            tagged = _decode(entry_id, fields)
            if tagged is None or tagged.article.id in found:
                continue
            if tagged.tagged < oldest:
                return list(found.values())
            found[tagged.article.id] = tagged
            if len(found) >= limit:
                break
        if len(entries) < PAGE:
            break
        upper = "(" + _text(entries[-1][0])
    return list(found.values())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(entry_id: bytes | str, fields: dict[bytes, bytes]) -> TaggedArticle | None:
    try:
        return TaggedArticle.model_validate_json(decode_payload(fields))
    except (InputError, ValidationError, ValueError) as e:
        logger.warning("skipping unreadable tagged entry %s: %s", _text(entry_id), e, extra={"stream": TAGGED})
        return None
