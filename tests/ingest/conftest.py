"""Fixtures of the ingest tests: loopback HTTP servers, a fetcher allowed to reach 127.0.0.1 only,
and a guard that fails any test opening a connection outside 127.0.0.0/8."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from services.ingest.fetcher import Fetcher
from services.ingest.settings import IngestSettings
from tests.ingest.rig import Rig, make_rig
from tests.ingest.server import LocalServer


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Refuse, and fail the test on, any socket connection to an address outside 127.0.0.0/8."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def outside(address: Any) -> bool:
        if not isinstance(address, tuple):
            return False  # a Unix socket path
        host = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if isinstance(host, ipaddress.IPv6Address) and host.ipv4_mapped is not None:
            host = host.ipv4_mapped
        return not (isinstance(host, ipaddress.IPv4Address) and host in ipaddress.ip_network("127.0.0.0/8"))

    def connect(self: socket.socket, address: Any) -> None:
        if outside(address):
            attempts.append(address)
            raise OSError(f"test guard: connection to {address} refused")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if outside(address):
            attempts.append(address)
            raise OSError(f"test guard: connection to {address} refused")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
    assert attempts == [], f"a test tried to connect outside loopback: {attempts}"


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """An HTTP server on 127.0.0.1, the address the test allow-list names."""
    local = await LocalServer("127.0.0.1").start()
    yield local
    await local.close()


@pytest.fixture
async def private_server() -> AsyncIterator[LocalServer]:
    """An HTTP server on 127.0.0.2: stands for a private target the allow-list does not name."""
    local = await LocalServer("127.0.0.2").start()
    yield local
    await local.close()


def make_settings(**overrides: Any) -> IngestSettings:
    """Ingest settings for tests: 127.0.0.1 allowed, no politeness delay, short deadline."""
    values: dict[str, Any] = {"fetch_allow": "127.0.0.1", "host_delay_s": 0.0, "fetch_deadline_s": 3.0}
    values.update(overrides)
    return IngestSettings(**values)


@pytest.fixture
def settings() -> IngestSettings:
    return make_settings()


@pytest.fixture
async def fetcher(settings: IngestSettings) -> AsyncIterator[Fetcher]:
    async with Fetcher(settings) as shared:
        yield shared


@pytest.fixture
async def rig(server: LocalServer, private_server: LocalServer, redis: aioredis.Redis) -> AsyncIterator[Rig]:
    """A poller on an empty Valkey, fetching from the loopback servers with a 1.5 s deadline."""
    async for made in make_rig(server, private_server, redis, make_settings(fetch_deadline_s=1.5)):
        yield made
