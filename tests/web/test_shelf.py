"""The shelf of latest tagged articles: read once, then only what is new, bounded, each article once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from services.notify.web.shelf import Shelf
from shared.streams import TAGGED
from tests.web.articles import corpus, seed, tagged

NOW = datetime.now(UTC)


def titles(articles: list) -> list[str]:  # type: ignore[type-arg]
    return [a.article.title for a in articles]


async def test_the_shelf_returns_the_newest_first_and_then_reads_only_new_entries(redis: aioredis.Redis) -> None:
    articles = corpus(NOW)
    await seed(redis, articles)
    shelf = Shelf(redis, capacity=100)
    first = await shelf.latest(100)
    assert len(first) == 8
    assert [a.tagged for a in first] == sorted((a.tagged for a in articles), reverse=True)
    newer = tagged(
        "Niamey : l’AES adopte un passeport commun", "Les ministres de l’AES ont adopté...", "fr", days_ago=0
    )
    await seed(redis, [newer])
    await redis.xadd(TAGGED, {b"__data__": b"not a FastStream message"})
    second = await shelf.latest(100)
    assert titles(second)[0] == newer.article.title
    assert len(second) == 9
    assert await shelf.latest(3) == second[:3]


async def test_an_edited_article_appears_once_in_its_latest_version(redis: aioredis.Redis) -> None:
    original = tagged("Bamako : le sommet de l’AES reporté", "Le sommet est reporté.", "fr", days_ago=1)
    edited = original.model_copy(
        update={
            "article": original.article.model_copy(update={"text": "Le sommet est reporté à lundi."}),
            "tagged": original.tagged + timedelta(hours=2),
        }
    )
    await seed(redis, [original, edited])
    (only,) = await Shelf(redis, capacity=10).latest(10)
    assert only.article.text == "Le sommet est reporté à lundi."


async def test_the_shelf_keeps_at_most_its_capacity_and_fills_up_from_older_entries(redis: aioredis.Redis) -> None:
    await seed(redis, corpus(NOW))
    shelf = Shelf(redis, capacity=5)
    assert len(await shelf.latest(2)) == 2
    assert len(await shelf.latest(50)) == 5
    stale = Shelf(redis, capacity=50, max_age_s=int(timedelta(days=2, hours=12).total_seconds()))
    assert len(await stale.latest(50)) == 3  # one and two days old only
