"""A poller wired to a real Valkey and a loopback server, with helpers to read what it did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import redis.asyncio as aioredis

from services.ingest.feeds import Feed, FeedState, FeedStore, new_feed
from services.ingest.fetcher import Fetcher
from services.ingest.poller import Poller
from services.ingest.settings import IngestSettings
from shared.models import Article
from shared.streams import INGESTED, article_key
from tests.ingest.server import LocalServer


@dataclass
class Rig:
    server: LocalServer
    private: LocalServer
    client: aioredis.Redis
    store: FeedStore
    poller: Poller

    async def add(self, path: str, name: str, kind: str = "feed") -> Feed:
        feed = new_feed(self.server.url(path), name=name, kind=kind)
        await self.store.put(feed)
        return feed

    async def poll_all(self) -> None:
        await asyncio.gather(*await self.poller.tick())

    async def poll_again(self, names: Iterable[str]) -> None:
        """Poll these feeds once more, ignoring schedule and leases (as the next interval would)."""
        wanted = set(names)
        for feed, state in await self.store.all():
            if feed.name in wanted:
                await self.poller.poll(feed, state)

    async def articles(self) -> dict[str, Article]:
        ids = [i.decode() for i in await self.client.zrange(INGESTED, 0, -1)]
        found = {}
        for ident in ids:
            raw = await self.client.get(article_key(ident))
            assert raw is not None
            found[ident] = Article.model_validate_json(raw)
        return found

    async def health(self) -> dict[str, tuple[Feed, FeedState]]:
        return {feed.name: (feed, state) for feed, state in await self.store.all()}


async def make_rig(
    server: LocalServer, private: LocalServer, client: aioredis.Redis, settings: IngestSettings
) -> AsyncIterator[Rig]:
    async with Fetcher(settings) as fetcher:
        yield Rig(server, private, client, FeedStore(client), Poller(client, fetcher, settings))
