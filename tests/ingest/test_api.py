"""`/api/feeds` mounted on a FastAPI app over a real Valkey."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
import redis.asyncio as aioredis
from fastapi import FastAPI

from services.ingest.api import feeds_router
from services.ingest.archive import parse_span_s, recent_articles
from services.ingest.feeds import FeedState, FeedStore, new_feed
from shared.errors import InputError


@pytest.fixture
async def api(redis: aioredis.Redis) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.runtime = SimpleNamespace(client=redis)
    app.include_router(feeds_router())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as client:
        yield client


async def test_feeds_can_be_added_listed_and_removed(api: httpx.AsyncClient, redis: aioredis.Redis) -> None:
    created = await api.post("/api/feeds", json={"url": "https://www.maliweb.net/feed", "name": "Maliweb"})
    assert created.status_code == 201
    feed_id = created.json()["id"]
    again = await api.post("/api/feeds", json={"url": "https://www.maliweb.net/feed", "interval_s": 900})
    assert again.status_code == 200
    await FeedStore(redis).save_state(feed_id, FeedState(consecutive_failures=2, last_error="HTTP 503 Busy"))

    listed = (await api.get("/api/feeds")).json()
    assert len(listed) == 1
    assert listed[0]["interval_s"] == 900
    assert listed[0]["status"] == "failing"
    assert listed[0]["last_error"] == "HTTP 503 Busy"

    assert (await api.delete(f"/api/feeds/{feed_id}")).status_code == 204
    assert (await api.delete(f"/api/feeds/{feed_id}")).status_code == 404
    assert (await api.get("/api/feeds")).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"url": "gopher://maliweb.net/1"},
        {"url": "https://maliweb.net/feed", "interval_s": 5},
        {"url": "https://maliweb.net/feed", "colour": "red"},
        {"name": "no url"},
    ],
)
async def test_a_bad_feed_is_refused_with_the_field_named(api: httpx.AsyncClient, body: dict[str, object]) -> None:
    answer = await api.post("/api/feeds", json=body)
    assert answer.status_code == 422
    assert (await api.get("/api/feeds")).json() == []


def test_new_feed_defaults_its_name_to_the_domain() -> None:
    assert new_feed("https://WWW.LeFaso.net/spip.php?page=backend").name == "lefaso.net"


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("30m", 1800), ("24h", 86_400), ("7d", 604_800), ("1.5h", 5400)]
)
def test_since_spans(text: str, seconds: float) -> None:
    assert parse_span_s(text) == seconds


def test_a_bad_span_is_named() -> None:
    with pytest.raises(InputError, match="hier"):
        parse_span_s("hier")


async def test_since_counts_from_ingestion_not_publication(redis: aioredis.Redis) -> None:
    from shared.streams import INGESTED, article_key

    await redis.zadd(INGESTED, {"a" * 32: 1_000_000.0, "b" * 32: 1_000_000.0 + 7200})
    old = '{"id": "%s", "title": "Ancien", "published": "2026-01-01T00:00:00Z"}'
    await redis.set(article_key("a" * 32), old % ("a" * 32))
    await redis.set(article_key("b" * 32), old % ("b" * 32))
    recent = await recent_articles(redis, 3600, now=1_000_000.0 + 7300)
    assert [a.id for a in recent] == ["b" * 32]
