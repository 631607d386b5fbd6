"""Admitting articles into the pipeline: drop duplicates, archive, publish; one transaction each."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from pydantic import ValidationError
from redis.exceptions import WatchError

from services.ingest.ids import article_id, source_of
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


async def admit(client: aioredis.Redis, broker: RedisBroker, articles: Sequence[Article]) -> AdmitResult:
    """Publish each article unless the same content was already admitted under its id."""
    result = AdmitResult()
    for article in articles:
        outcome = await _admit_one(client, broker, article)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


async def _admit_one(client: aioredis.Redis, broker: RedisBroker, article: Article) -> str:
    rev = article.digest().encode()
    key = seen_key(article.id)
    while True:
        async with client.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                previous = await pipe.get(key)
                if previous == rev:
                    await pipe.reset()  # type: ignore[no-untyped-call]
                    return "duplicate"
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(key, rev, ex=ARTICLE_TTL_S)
                pipe.set(article_key(article.id), article.model_dump_json().encode(), ex=ARTICLE_TTL_S)
                pipe.zadd(INGESTED, {article.id: article.fetched.timestamp()})
                # the index outlives nothing it points to: entries past retention go as new ones come
                pipe.zremrangebyscore(INGESTED, "-inf", article.fetched.timestamp() - ARTICLE_TTL_S)
                await broker.publish(article, stream=ARTICLES, maxlen=STREAM_MAXLEN, pipeline=pipe)
                await pipe.execute()
            except WatchError:
                continue
        outcome = "new" if previous is None else "updated"
        logger.info("admitted %s article", outcome, extra={"article_id": article.id, "stream": ARTICLES})
        return outcome
