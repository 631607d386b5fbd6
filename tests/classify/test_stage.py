"""The classify stage on a real Valkey: bad input is tagged or dead-lettered with a reason, never a crash."""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis
from faststream.redis.parser.binary import BinaryMessageFormatV1

from services.classify.app import classify_stage
from services.classify.stories import StoryStore
from shared.broker import ensure_groups, make_broker
from shared.models import Article, DeadLetter, TaggedArticle
from shared.settings import CommonSettings
from shared.stage import StageRunner
from shared.streams import ARTICLES, CLASSIFY_GROUP, TAGGED, dead
from tests.classify.reports import NIAMEY_SUMMIT
from tests.waiting import wait_until


async def tagged(client: aioredis.Redis) -> list[TaggedArticle]:
    entries = await client.xrange(TAGGED)
    return [TaggedArticle.model_validate_json(BinaryMessageFormatV1.parse(f[b"__data__"])[0]) for _, f in entries]


async def letters(client: aioredis.Redis) -> list[DeadLetter]:
    entries = await client.xrange(dead(ARTICLES))
    return [DeadLetter.model_validate_json(BinaryMessageFormatV1.parse(f[b"__data__"])[0]) for _, f in entries]


def odd(key: str, title: str, text: str) -> Article:
    return Article(id=hashlib.sha256(key.encode()).hexdigest()[:16], title=title, text=text)


async def test_good_odd_and_broken_articles(redis: aioredis.Redis, redis_url: str) -> None:
    await ensure_groups(redis, [(ARTICLES, CLASSIFY_GROUP)])
    broker = make_broker(redis_url, graceful_timeout_s=2)
    settings = CommonSettings.model_validate({"claim_idle_ms": 20_000, "max_deliveries": 2, "batch_size": 16})
    StageRunner(classify_stage(StoryStore(redis)), broker, redis, settings, consumer="tester").attach()
    await broker.start()
    try:
        articles = [
            *NIAMEY_SUMMIT[:2],
            odd("controls", "\x00\x01", "\x02\x03" * 5_000),
            odd("runes", "ᚠᛇᚻ ᛒᛦᚦ", "ᚠᚱᚩᚠᚢᚱ ᚠᛁᚱᚪ " * 200),
            odd("long", "Mali", "Le Mali et le Niger. " * 50_000),
        ]
        for item in articles:
            await broker.publish(item, stream=ARTICLES)
        await broker.publish({"title": "no id"}, stream=ARTICLES)
        await broker.publish({"id": "00ff00ff00ff00ff", "title": "", "text": "   "}, stream=ARTICLES)

        async def settled() -> bool:
            return len(await tagged(redis)) == len(articles) and len(await letters(redis)) == 2

        await wait_until(settled, timeout_s=30, what="every article tagged or dead-lettered")
    finally:
        await broker.stop()
    by_id = {t.article.id: t for t in await tagged(redis)}
    assert by_id[NIAMEY_SUMMIT[1].id].story == by_id[NIAMEY_SUMMIT[0].id].story == NIAMEY_SUMMIT[0].id
    assert {"aes", "niger"} <= {a.id for a in by_id[NIAMEY_SUMMIT[0].id].actors}
    assert by_id[articles[3].id].lang == "und"
    assert {"mali", "niger"} <= {a.id for a in by_id[articles[4].id].actors}
    assert all(letter.reason for letter in await letters(redis))
