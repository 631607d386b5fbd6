"""Redis connections whose commands are packed by hiredis, in C.

redis-py's asyncio connection packs every command in Python, argument by argument: with
hiredis installed it parses replies in C but still packs requests in Python, about seven
times slower. A stage writes a few dozen arguments per entry, so this is a fifth of its cost.
"""

from __future__ import annotations

from typing import Any, cast

import hiredis
from redis.asyncio.connection import AbstractConnection, Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError


def pack(args: tuple[Any, ...]) -> list[bytes]:
    """The RESP bytes of one command, as redis-py's packer writes them."""
    first = args[0]
    if isinstance(first, str):
        args = (*first.encode().split(), *args[1:])
    elif b" " in first:
        args = (*first.split(), *args[1:])
    try:
        # hiredis takes str, int, float, bytes and memoryview and refuses the rest (bool, None) as redis-py does
        return [hiredis.pack_command(args)]
    except TypeError:
        args = tuple(bytes(arg) if isinstance(arg, bytearray) else arg for arg in args)
    try:
        return [hiredis.pack_command(args)]
    except TypeError as exc:
        raise DataError(f"cannot pack a Redis command argument: {exc}") from exc


class PackedConnection(Connection):
    """A TCP connection packing commands with hiredis."""

    def pack_command(self, *args: Any) -> list[bytes]:
        """Pack one command."""
        return pack(args)


class PackedSSLConnection(SSLConnection):
    """A TLS connection packing commands with hiredis."""

    def pack_command(self, *args: Any) -> list[bytes]:
        """Pack one command."""
        return pack(args)


class PackedUnixConnection(UnixDomainSocketConnection):
    """A unix-socket connection packing commands with hiredis."""

    def pack_command(self, *args: Any) -> list[bytes]:
        """Pack one command."""
        return pack(args)


def connection_class(url: str) -> type[Connection]:
    """The packed connection class for ``url``'s scheme (redis, rediss or unix)."""
    scheme = url.split("://", 1)[0].lower()
    classes: dict[str, type[AbstractConnection]] = {"rediss": PackedSSLConnection, "unix": PackedUnixConnection}
    # FastStream types the option as Connection; redis-py takes any AbstractConnection (unix sockets are one)
    return cast(type[Connection], classes.get(scheme, PackedConnection))
