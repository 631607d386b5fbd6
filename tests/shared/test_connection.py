"""Commands packed by hiredis: the same bytes as redis-py's own packer, and a real round trip."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError

from shared.connection import PackedConnection, PackedSSLConnection, PackedUnixConnection, connection_class, pack


@pytest.mark.parametrize(
    "args",
    [
        ("GET", "k"),
        ("SET", "clé", "Sommet de l'AES à Niamey"),
        ("SET", b"k", b"\x00\xff binary\r\n"),
        ("XADD", "s", "MAXLEN", "~", 100_000, "*", b"__data__", b"x" * 70_000),
        ("EXPIRE", "k", 3),
        ("SET", "k", 1.5),
        ("SET", "k", -7),
        ("CONFIG GET", "maxmemory-policy"),
        (b"CLIENT SETNAME", b"newsalert"),
        ("SET", "k", memoryview(b"view")),
        ("SET", "k", bytearray(b"array")),
    ],
)
def test_pack_writes_what_redis_py_writes(args: tuple[Any, ...]) -> None:
    theirs = b"".join(bytes(chunk) for chunk in Connection().pack_command(*args))
    assert b"".join(pack(args)) == theirs


@pytest.mark.parametrize("bad", [True, None, object(), ["a", "list"]])
def test_pack_refuses_what_redis_py_refuses(bad: object) -> None:
    with pytest.raises(DataError):
        pack(("SET", "k", bad))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/0", PackedConnection),
        ("REDIS://:secret@127.0.0.1:6390", PackedConnection),
        ("rediss://127.0.0.1:6380", PackedSSLConnection),
        ("unix:///tmp/valkey.sock", PackedUnixConnection),
    ],
)
def test_connection_class_follows_the_scheme(url: str, expected: type) -> None:
    assert connection_class(url) is expected
    assert issubclass(expected, SSLConnection) == url.startswith("rediss")
    assert issubclass(expected, UnixDomainSocketConnection) == url.startswith("unix")


async def test_the_client_talks_to_valkey_through_packed_connections(redis: aioredis.Redis) -> None:
    assert redis.connection_pool.connection_class is PackedConnection
    value = "Sommet de l'AES à Niamey".encode() + b"\x00\r\n"
    await redis.set("packed", value, ex=60)
    await redis.hset("packed:h", mapping={"n": 3, "f": 0.25})
    assert await redis.get("packed") == value
    assert await redis.hgetall("packed:h") == {b"n": b"3", b"f": b"0.25"}
    assert 0 < await redis.ttl("packed") <= 60
