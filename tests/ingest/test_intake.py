"""Admission: one publication per content revision, updates keep their id, the index stays bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from services.ingest.intake import AdmitResult, admit
from shared.models import Article
from shared.stage import decode_payload
from shared.streams import ARTICLE_TTL_S, ARTICLES, INGESTED, article_key

NOW = datetime.now(UTC)


def article(title: str, text: str, published: datetime, fetched: datetime = NOW) -> Article:
    return Article(
        id="4f1c" * 8,
        url="https://www.aniamey.com/politique/budget-2027-adopte.html",
        title=title,
        text=text,
        source="aniamey.com",
        published=published,
        fetched=fetched,
        lang="fr",
    )


async def test_dates_alone_publish_nothing_and_edits_publish_an_update(
    redis: aioredis.Redis,
) -> None:
    day = datetime(2026, 11, 26, 9, tzinfo=UTC)
    first = article("Niger : le budget 2027 adopté", "Le Conseil national de refondation a adopté le budget.", day)
    result = await admit(redis, [first])
    assert (result.new, result.updated, result.duplicate) == (1, 0, 0)

    bumped = first.model_copy(update={"published": day + timedelta(hours=3)})
    assert (await admit(redis, [bumped])).duplicate == 1

    edited = first.model_copy(update={"text": first.text + " Il s'élève à 3 200 milliards de francs CFA."})
    assert (await admit(redis, [edited])).updated == 1
    assert await redis.xlen(ARTICLES) == 2


async def test_index_entries_past_retention_are_dropped(redis: aioredis.Redis) -> None:
    await redis.zadd(INGESTED, {"0" * 32: (NOW - timedelta(seconds=ARTICLE_TTL_S + 60)).timestamp()})
    await admit(redis, [article("Titre", "Texte", NOW)])
    assert [m.decode() for m in await redis.zrange(INGESTED, 0, -1)] == ["4f1c" * 8]


async def test_a_batch_admits_each_content_once_and_keeps_its_order(redis: aioredis.Redis) -> None:
    day = datetime(2026, 11, 26, 9, tzinfo=UTC)
    first = article("Niger : le budget 2027 adopté", "Le Conseil national de refondation a adopté le budget.", day)
    edited = first.model_copy(update={"text": first.text + " Il s'élève à 3 200 milliards de francs CFA."})
    other = first.model_copy(update={"id": "9a0b" * 8, "title": "Mali : la saison des pluies commence"})
    result = await admit(redis, [first, first, other, edited])
    assert (result.new, result.updated, result.duplicate) == (2, 1, 1)
    published = [Article.model_validate_json(decode_payload(fields)) for _, fields in await redis.xrange(ARTICLES)]
    assert [(a.id, a.text) for a in published] == [
        (first.id, first.text),
        (other.id, other.text),
        (edited.id, edited.text),
    ]
    assert Article.model_validate_json(await redis.get(article_key(first.id))) == edited


async def test_an_empty_batch_admits_nothing(redis: aioredis.Redis) -> None:
    assert await admit(redis, []) == AdmitResult()
    assert await redis.exists(ARTICLES) == 0
