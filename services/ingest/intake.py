"""Admitting articles into the pipeline: drop duplicates, archive, publish; one atomic script each."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from pydantic import ValidationError

from services.ingest.ids import article_id, source_of
from shared.commit import encode_entry
from shared.errors import InputError
from shared.models import Article, utc_now
from shared.streams import ARTICLE_TTL_S, ARTICLES, INGESTED, STREAM_MAXLEN, article_key, seen_key

logger = logging.getLogger(__name__)

RECORD_FIELDS = frozenset({"id", "url", "title", "text", "source", "published", "lang", "feed"})
_HEX_ID = re.compile(r"^[0-9a-f]{8,64}$")


@dataclass
class AdmitResult:
    """How many articles were published new, published as updates, or dropped as duplicates."""

    new: int = 0
    updated: int = 0
    duplicate: int = 0


def article_from_record(record: Mapping[str, Any], fetched: datetime | None = None) -> Article:
    """Build an article from a loose record (`newsalert publish` input), deriving id and source."""
    if not isinstance(record, Mapping):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    unknown = sorted(set(record) - RECORD_FIELDS)
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(RECORD_FIELDS))}")
    fields = dict(record)
    url = fields.get("url") or None
    source = fields.get("source") or (source_of(url) if isinstance(url, str) else "")
    given = fields.get("id")
    try:
        probe = Article.model_validate({**fields, "id": "0" * 8, "source": source, "fetched": fetched or utc_now()})
    except ValidationError as exc:
        raise InputError(_describe(exc)) from exc
    if isinstance(given, str) and _HEX_ID.match(given):
        ident = given
    elif given:
        ident = article_id(None, source, guid=str(given))
    else:
        ident = article_id(probe.url, source, title=probe.title, published=probe.published)
    return probe.model_copy(update={"id": ident})


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "article"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


_ADMIT = """
local previous = redis.call('GET', KEYS[1])
if previous == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[6])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', '__data__', ARGV[8])
if previous then return 2 end
return 1
"""
"""Admit one article atomically: 0 when its content was already admitted, 1 when new, 2 when an update."""
_OUTCOMES = {0: "duplicate", 1: "new", 2: "updated"}


async def admit(client: aioredis.Redis, articles: Sequence[Article]) -> AdmitResult:
    """Publish each article unless the same content was already admitted under its id.

    Each article is one script, so the check and the writes are atomic; the scripts of a
    batch share one round trip and run in order, so a batch holding the same article twice
    publishes it once.
    """
    result = AdmitResult()
    if not articles:
        return result
    script = client.register_script(_ADMIT)
    pipe = client.pipeline(transaction=False)
    for article in articles:
        fetched = article.fetched.timestamp()
        keys = [seen_key(article.id), article_key(article.id), INGESTED, ARTICLES]
        args: list[bytes | str | int] = [
            article.digest(),
            ARTICLE_TTL_S,
            article.model_dump_json(),
            repr(fetched),
            article.id,
            # the index outlives nothing it points to: entries past retention go as new ones come
            repr(fetched - ARTICLE_TTL_S),
            STREAM_MAXLEN,
            encode_entry(article),
        ]
        await script(keys=keys, args=args, client=pipe)
    replies = await pipe.execute()
    for article, reply in zip(articles, replies, strict=True):
        outcome = _OUTCOMES[int(reply)]
        setattr(result, outcome, getattr(result, outcome) + 1)
        if outcome != "duplicate":
            logger.info("admitted %s article", outcome, extra={"article_id": article.id, "stream": ARTICLES})
    return result
