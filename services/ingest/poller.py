"""Polling every due feed on its own schedule; one source's failure never stops or slows the others.

Each poll is its own task, so a slow source holds only itself. Replicas share the work
through a Redis lease per feed (SET NX PX, one interval long): a feed is fetched by one
replica per interval, whichever takes the lease first.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.ingest.collector import Collector
from services.ingest.failures import FetchFailed, Gone
from services.ingest.feeds import Feed, FeedState, FeedStore
from services.ingest.fetcher import Fetcher
from services.ingest.intake import admit
from services.ingest.schedule import next_delay_s
from services.ingest.settings import IngestSettings
from shared.metrics import observe_fetch
from shared.streams import PREFIX

logger = logging.getLogger(__name__)

MAX_REASON_CHARS = 500


def lease_key(feed_id: str) -> str:
    """The key a replica sets to own one feed's poll for one interval."""
    return f"{PREFIX}:lease:feed:{feed_id}"


class Poller:
    """Schedules due feeds, fetches them through one shared fetcher and admits their articles."""

    def __init__(
        self,
        client: aioredis.Redis,
        fetcher: Fetcher,
        settings: IngestSettings,
        *,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        self.settings = settings
        self.store = FeedStore(client)
        self.collector = Collector(fetcher, client, settings)
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self._clock = clock
        self._jitter = jitter
        self._inflight: dict[str, asyncio.Task[FeedState]] = {}
        self.counters = {"polls": 0, "failures": 0, "articles": 0}

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set, then cancel polls in flight (a poll is safe to repeat)."""
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except RedisError as exc:
                    logger.warning("cannot read feeds from Redis: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_tick_s)
        finally:
            await self.cancel()
            logger.info(
                "poller stopped: %(polls)d polls, %(failures)d failed, %(articles)d articles admitted", self.counters
            )

    async def cancel(self) -> None:
        """Cancel and reap every poll in flight."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def tick(self) -> list[asyncio.Task[FeedState]]:
        """Start a poll for every enabled feed that is due and whose lease this replica wins."""
        now = self._clock()
        started: list[asyncio.Task[FeedState]] = []
        for feed, state in await self.store.all():
            if not feed.enabled or state.next_due > now or feed.id in self._inflight:
                continue
            if len(self._inflight) >= self.settings.max_concurrent_polls:
                break
            if not await self._lease(feed):
                continue
            task = asyncio.create_task(self.poll(feed, state), name=f"poll {feed.id}")
            self._inflight[feed.id] = task
            task.add_done_callback(functools.partial(self._forget, feed.id))
            started.append(task)
        return started

    def _forget(self, feed_id: str, _: asyncio.Task[FeedState]) -> None:
        self._inflight.pop(feed_id, None)

    async def _lease(self, feed: Feed) -> bool:
        taken = await self.client.set(lease_key(feed.id), self.owner, nx=True, px=feed.interval_s * 1000)
        return bool(taken)

    async def poll(self, feed: Feed, state: FeedState) -> FeedState:
        """Poll one feed now and record its health; never raises for a source's fault."""
        started = self._clock()
        retry_after: float | None = None
        # Claim the next interval up front: a poll outlasting its lease must not be started twice.
        with contextlib.suppress(RedisError):
            await self.store.save_state(feed.id, state.model_copy(update={"next_due": started + feed.interval_s}))
        try:
            state = await self._harvest(feed, state)
            observe_fetch("ok")
        except FetchFailed as exc:
            observe_fetch(type(exc).__name__.lower())
            retry_after = exc.retry_after_s
            state = _failed(state, exc.reason)
            if isinstance(exc, Gone):
                feed = feed.model_copy(update={"enabled": False})
                await self.store.save_feed(feed)
            logger.warning("poll failed: %s", exc.reason, extra={"feed": feed.id})
        except Exception as exc:  # the edge of one source: a bug here must not stop the others
            observe_fetch("internal_error")
            state = _failed(state, f"internal error: {type(exc).__name__}: {exc}")
            logger.exception("poll failed", extra={"feed": feed.id})
        failures = state.consecutive_failures
        self.counters["polls"] += 1
        self.counters["failures"] += 1 if failures else 0
        delay = next_delay_s(feed.interval_s, failures, retry_after, self.settings.max_backoff_s, self._jitter())
        state = state.model_copy(update={"next_due": started + delay})
        with contextlib.suppress(RedisError):
            await self.store.save_state(feed.id, state)
        return state

    async def _harvest(self, feed: Feed, state: FeedState) -> FeedState:
        harvest = await self.collector.collect(feed, state)
        fetched = harvest.fetched
        if fetched.moved_to:
            logger.info("feed moved permanently to %s", fetched.moved_to, extra={"feed": feed.id})
            await self.store.save_feed(feed.model_copy(update={"url": fetched.moved_to}))
        result = await admit(self.client, harvest.articles)
        self.counters["articles"] += result.new + result.updated
        await self.collector.remember(feed.id, harvest)
        if harvest.articles:
            logger.info(
                "polled: %d new, %d updated, %d duplicate",
                result.new,
                result.updated,
                result.duplicate,
                extra={"feed": feed.id},
            )
        return state.model_copy(
            update={
                "last_success": datetime.now(UTC),
                "consecutive_failures": 0,
                "articles_seen": state.articles_seen + result.new + result.updated,
                "etag": fetched.etag if fetched.status == 200 else state.etag,
                "last_modified": fetched.last_modified if fetched.status == 200 else state.last_modified,
            }
        )


def _failed(state: FeedState, reason: str) -> FeedState:
    return state.model_copy(
        update={
            "last_error": reason[:MAX_REASON_CHARS],
            "last_error_at": datetime.now(UTC),
            "consecutive_failures": state.consecutive_failures + 1,
        }
    )
