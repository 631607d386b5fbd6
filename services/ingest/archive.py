"""The ingested articles still in the retention window, for `newsalert articles`."""

from __future__ import annotations

import re
import time

import redis.asyncio as aioredis
from pydantic import ValidationError

from shared.errors import InputError
from shared.models import Article
from shared.streams import ARTICLE_TTL_S, INGESTED, article_key

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400}
BATCH = 500


def parse_span_s(text: str) -> float:
    """Read a span such as ``90s``, ``30m``, ``24h``, ``7d`` or ``2w`` as seconds."""
    match = _SPAN.match(text)
    if not match:
        raise InputError(f"--since {text!r}: expected a number with s, m, h, d or w, such as 24h")
    return float(match.group(1)) * _UNIT_S[match.group(2).lower()]


async def recent_articles(client: aioredis.Redis, since_s: float, now: float | None = None) -> list[Article]:
    """Articles ingested in the last ``since_s`` seconds (by ingestion time), oldest first."""
    now = time.time() if now is None else now
    start = max(now - since_s, now - ARTICLE_TTL_S)
    ids = [i.decode() if isinstance(i, bytes) else str(i) for i in await client.zrangebyscore(INGESTED, start, "+inf")]
    articles: list[Article] = []
    for offset in range(0, len(ids), BATCH):
        chunk = ids[offset : offset + BATCH]
        for raw in await client.mget([article_key(i) for i in chunk]):
            if raw is None:
                continue  # past retention
            try:
                articles.append(Article.model_validate_json(raw))
            except ValidationError:
                continue
    return articles
