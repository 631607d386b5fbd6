"""Story grouping on a real Valkey: near-duplicates share a story, other news does not, concurrency holds."""

from __future__ import annotations

import asyncio
import hashlib
import socket

import pytest
import redis.asyncio as aioredis

from services.classify.sketch import bands, packed
from services.classify.stories import StoryStore
from services.classify.tagger import Tags
from shared.errors import RedisUnavailable
from shared.models import Article
from tests.classify.reports import LAVROV_EN, NIAMEY_SUMMIT, OTHER_NIGER_NEWS, article

NO_TAGS = Tags(lang="fr")


async def test_same_event_from_two_outlets_shares_one_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    first = await store.assign(NIAMEY_SUMMIT[0], NO_TAGS)
    second = await store.assign(NIAMEY_SUMMIT[1], NO_TAGS)
    assert first == NIAMEY_SUMMIT[0].id
    assert second == first


async def test_an_edited_title_and_a_republished_copy_join_the_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    story = await store.assign(NIAMEY_SUMMIT[0], NO_TAGS)
    edited = await store.assign(NIAMEY_SUMMIT[2], NO_TAGS)
    original = NIAMEY_SUMMIT[0]
    copy = article("republished", original.title, original.text, source="aggregator")
    assert edited == story
    assert await store.assign(copy, NO_TAGS) == story


async def test_other_news_about_the_same_place_starts_its_own_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    for item in NIAMEY_SUMMIT:
        await store.assign(item, NO_TAGS)
    for item in (*OTHER_NIGER_NEWS, *LAVROV_EN[:1]):
        assert await store.assign(item, NO_TAGS) == item.id


async def test_english_rewrite_joins_and_french_story_stays_apart(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    assert await store.assign(LAVROV_EN[0], NO_TAGS) == LAVROV_EN[0].id
    assert await store.assign(LAVROV_EN[1], NO_TAGS) == LAVROV_EN[0].id
    assert await store.assign(NIAMEY_SUMMIT[0], NO_TAGS) == NIAMEY_SUMMIT[0].id


async def test_redelivered_article_keeps_its_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    story = await store.assign(NIAMEY_SUMMIT[0], NO_TAGS)
    await store.assign(NIAMEY_SUMMIT[1], NO_TAGS)
    assert await store.assign(NIAMEY_SUMMIT[1], NO_TAGS) == story
    assert await store.assign(NIAMEY_SUMMIT[0], NO_TAGS) == story


async def test_near_duplicates_arriving_together_end_in_one_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    copies = [
        article(f"copy-{i}", NIAMEY_SUMMIT[i % 2].title, NIAMEY_SUMMIT[i % 2].text, source=f"site-{i}")
        for i in range(12)
    ]
    stories = await asyncio.gather(*(store.assign(item, NO_TAGS) for item in copies))
    assert len(set(stories)) == 1
    assert stories[0] in {c.id for c in copies}


async def test_story_keys_expire_with_the_window(redis: aioredis.Redis) -> None:
    store = StoryStore(redis, window_s=60)
    await store.assign(NIAMEY_SUMMIT[0], NO_TAGS)
    keys = [k async for k in redis.scan_iter(match=b"newsalert:story:*")]
    ttls = [await redis.pttl(k) for k in keys]
    assert len(keys) == 16 + 2
    assert all(0 < ttl <= 60_000 for ttl in ttls)


async def test_article_without_words_is_its_own_story(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    bare = Article(id=hashlib.sha256(b"bare").hexdigest()[:16], title="?!", text="… — …")
    assert await store.assign(bare, NO_TAGS) == bare.id
    assert [k async for k in redis.scan_iter(match=b"newsalert:story:*")] == []


def test_the_window_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.classify.settings import ClassifySettings

    assert ClassifySettings().story_window_s == 72 * 3600
    monkeypatch.setenv("NEWSALERT_STORY_WINDOW_S", "3600")
    assert ClassifySettings().story_window_s == 3600


async def test_bare_headlines_join_only_near_copies(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    djibo = article("djibo", "Mali : attaque à Djibo", "")
    kaya = article("kaya", "Mali : attaque à Kaya", "")
    again = article("djibo-again", "Mali : attaque à Djibo", "", source="other-site")
    assert await store.assign(djibo, NO_TAGS) == djibo.id
    assert await store.assign(kaya, NO_TAGS) == kaya.id
    assert await store.assign(again, NO_TAGS) == djibo.id


async def test_articles_handled_together_share_one_connection_and_match_one_by_one(
    redis: aioredis.Redis, redis_url: str
) -> None:
    items = [*NIAMEY_SUMMIT, *OTHER_NIGER_NEWS, *LAVROV_EN]
    one_by_one = [await StoryStore(redis).assign(item, NO_TAGS) for item in items]
    await redis.flushall()
    client = aioredis.from_url(redis_url, client_name="stories-batch")
    try:
        store = StoryStore(client)
        together = await asyncio.gather(*(store.assign(item, NO_TAGS) for item in items))
        names = [c.get("name") for c in await redis.client_list()]
    finally:
        await client.aclose()
    assert together == one_by_one
    assert len(set(together)) < len(items)
    assert names.count("stories-batch") == 1


async def test_unreachable_redis_fails_every_waiting_article_naming_it() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = aioredis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    store = StoryStore(client)
    try:
        results = await asyncio.gather(*(store.assign(item, NO_TAGS) for item in NIAMEY_SUMMIT), return_exceptions=True)
    finally:
        await client.aclose()
    assert all(isinstance(r, RedisUnavailable) for r in results)
    assert [item.id in str(r) for item, r in zip(NIAMEY_SUMMIT, results, strict=True)] == [True] * len(NIAMEY_SUMMIT)


def test_signature_packs_big_endian_and_bands_pair_low_bits() -> None:
    sig = (1, (1 << 64) - 1, 0x0123456789ABCDEF, 7)
    assert packed(sig) == b"".join(v.to_bytes(8, "big") for v in sig)
    assert bands(sig) == ["0:0000000001ffffffffff", "1:6789abcdef0000000007"]
    assert packed(()) == b""
    assert bands(()) == []


async def test_assignment_survives_a_flushed_script_cache(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    story = await store.assign(NIAMEY_SUMMIT[0], NO_TAGS)
    await redis.script_flush()
    assert await store.assign(NIAMEY_SUMMIT[1], NO_TAGS) == story


async def _eval_calls(redis: aioredis.Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_eval", {}).get("calls", 0))


async def test_articles_handled_together_cost_one_script_call(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    items = [*NIAMEY_SUMMIT, *OTHER_NIGER_NEWS, *LAVROV_EN, NIAMEY_SUMMIT[0]]
    before = await _eval_calls(redis)
    stories = await asyncio.gather(*(store.assign(item, NO_TAGS) for item in items))
    assert await _eval_calls(redis) == before + 1
    assert stories[: len(NIAMEY_SUMMIT)] == [NIAMEY_SUMMIT[0].id] * len(NIAMEY_SUMMIT)
    assert stories[-1] == NIAMEY_SUMMIT[0].id
    assert await store.assign(LAVROV_EN[1], NO_TAGS) == LAVROV_EN[0].id
    assert await _eval_calls(redis) == before + 2


async def test_a_redis_error_fails_only_its_article_and_names_it(redis: aioredis.Redis) -> None:
    store = StoryStore(redis)
    broken = NIAMEY_SUMMIT[1]
    await redis.rpush(f"newsalert:story:of:{broken.id}", "not a story id")
    items = [*NIAMEY_SUMMIT, *OTHER_NIGER_NEWS]
    results = await asyncio.gather(*(store.assign(item, NO_TAGS) for item in items), return_exceptions=True)
    assert isinstance(results[1], RedisUnavailable)
    assert str(results[1]).startswith(f"story grouping failed for article {broken.id}: WRONGTYPE")
    assert results[:1] + results[2:] == [NIAMEY_SUMMIT[0].id] * (len(NIAMEY_SUMMIT) - 1) + [
        item.id for item in OTHER_NIGER_NEWS
    ]
    await redis.delete(f"newsalert:story:of:{broken.id}")
    assert await store.assign(broken, NO_TAGS) == NIAMEY_SUMMIT[0].id
