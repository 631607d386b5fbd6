"""The archive: articles added together share one round trip, and every entry reads back."""

from __future__ import annotations

import asyncio
import zlib
from datetime import timedelta
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.notify.rules.archive import ARCHIVE, Archive
from shared.errors import RedisUnavailable
from shared.models import TaggedArticle, utc_now
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey, tagged


def articles(vocabulary: Vocabulary, n: int) -> list[TaggedArticle]:
    return [tagged(vocabulary, f"Titre {i}", f"Texte numéro {i} sur le Sahel.", "fr") for i in range(n)]


async def test_articles_added_together_share_one_round_trip(
    redis: aioredis.Redis, vocabulary: Vocabulary, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(redis)
    pipelines: list[Any] = []
    real = redis.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        pipelines.append(real(*args, **kwargs))
        return pipelines[-1]

    monkeypatch.setattr(redis, "pipeline", counted)
    batch = articles(vocabulary, 32)
    await asyncio.gather(*(archive.add(a) for a in batch))
    assert len(pipelines) == 1
    assert await archive.count() == 32
    read = [a async for a in archive.since(utc_now() - timedelta(minutes=1))]
    assert [a.article.id for a in read] == [a.article.id for a in batch]
    assert read == batch


async def test_entries_written_at_the_former_compression_level_still_read(
    redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    article = lavrov_in_niamey(vocabulary)
    await redis.xadd(ARCHIVE, {"id": article.article.id, "z": zlib.compress(article.model_dump_json().encode(), 6)})
    archive = Archive(redis)
    await archive.add(articles(vocabulary, 1)[0])
    read = [a async for a in archive.since(utc_now() - timedelta(minutes=1))]
    assert read[0] == article
    assert len(read) == 2


async def test_a_refused_write_fails_every_article_of_the_round_trip(
    redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    await redis.set(ARCHIVE, "not a stream")
    archive = Archive(redis)
    results = await asyncio.gather(*(archive.add(a) for a in articles(vocabulary, 3)), return_exceptions=True)
    assert all(isinstance(r, RedisUnavailable) and "WRONGTYPE" in str(r) for r in results)
