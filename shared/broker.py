"""Connections to Redis: the FastStream broker, a plain client, waiting, groups and safety checks."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.connection import connection_class
from shared.errors import ConfigError, RedisUnavailable
from shared.streams import dead

logger = logging.getLogger(__name__)

SAFE_EVICTION_POLICIES = frozenset({"noeviction"})


def make_broker(url: str, graceful_timeout_s: float = 10.0) -> RedisBroker:
    """Build the FastStream broker every service publishes and consumes through."""
    # our own logger: FastStream's default one has its own coloured handler, bypassing JSON lines and redaction
    faststream_logger = logging.getLogger("faststream.redis")
    return RedisBroker(
        url,
        graceful_timeout=graceful_timeout_s,
        log_level=logging.DEBUG,
        logger=faststream_logger,
        connection_class=connection_class(url),
    )


def make_client(url: str) -> aioredis.Redis:
    """Build a plain asyncio Redis client (bytes in, bytes out)."""
    return aioredis.from_url(
        url,
        decode_responses=False,
        socket_connect_timeout=5,
        health_check_interval=30,
        connection_class=connection_class(url),
    )


async def ping(url: str) -> None:
    """Raise :class:`RedisUnavailable` naming ``url`` unless a server answers PING there."""
    client = aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise RedisUnavailable(f"no Redis answers at {url} ({exc.__class__.__name__})") from exc
    finally:
        await client.aclose()


async def wait_for_redis(url: str, timeout_s: float) -> None:
    """Wait, with capped exponential backoff, until Redis at ``url`` answers or time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    delay = 0.1
    while True:
        try:
            await ping(url)
        except RedisUnavailable:
            if loop.time() + delay > deadline:
                raise
            logger.warning("waiting for Redis at %s", url)
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not crypto
            delay = min(delay * 2, 5.0)
        else:
            return


async def check_eviction_policy(client: aioredis.Redis) -> None:
    """Refuse to run against a Redis whose eviction policy could delete queue keys."""
    try:
        config = await client.config_get("maxmemory-policy")
    except ResponseError:
        return  # managed Redis that hides CONFIG: the operator vouches for it
    values = {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in config.items()}
    raw = values.get("maxmemory-policy", b"noeviction")
    policy = raw.decode() if isinstance(raw, bytes) else str(raw)
    if policy not in SAFE_EVICTION_POLICIES:
        raise ConfigError(
            f"Redis maxmemory-policy is {policy!r}: it may evict queued articles and alerts; "
            "set maxmemory-policy noeviction"
        )


async def ensure_groups(client: aioredis.Redis, pairs: Iterable[tuple[str, str]]) -> None:
    """Create each (stream, group) at id 0, with its dead-letter stream; existing groups are kept."""
    for stream, group in pairs:
        for key in (stream, dead(stream)):
            try:
                await client.xgroup_create(key, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            except RedisError as exc:
                raise RedisUnavailable(f"cannot create group {group} on {key}: {exc}") from exc


async def group_exists(client: aioredis.Redis, stream: str, group: str) -> bool:
    """Tell whether ``group`` still exists on ``stream`` (false after a Redis wiped of its data)."""
    try:
        groups = await client.xinfo_groups(stream)
    except ResponseError:
        return False
    names = {g["name"].decode() if isinstance(g["name"], bytes) else g["name"] for g in groups}
    return group in names


async def forget_consumer(client: aioredis.Redis, stream: str, group: str, consumer: str) -> bool:
    """Delete a stopped consumer from its group if it holds no pending entry; return whether it did.

    A consumer with pending entries is kept: deleting it would make those entries unclaimable.
    """
    try:
        consumers = await client.xinfo_consumers(stream, group)
        for info in consumers:
            name = info["name"].decode() if isinstance(info["name"], bytes) else str(info["name"])
            if name == consumer and int(info["pending"]) == 0:
                await client.xgroup_delconsumer(stream, group, consumer)
                return True
    except RedisError as exc:
        logger.warning("could not tidy consumer %s of %s: %s", consumer, group, exc, extra={"stream": stream})
    return False


async def forget_dead_consumers(client: aioredis.Redis, stream: str, group: str, min_idle_ms: int) -> list[str]:
    """Delete consumers idle for ``min_idle_ms`` that hold nothing (left by killed processes); return their names.

    A live consumer polls every few hundred milliseconds, so a long idle time means its
    process is gone; one with pending entries is kept until the claimer empties it.
    """
    removed: list[str] = []
    try:
        for info in await client.xinfo_consumers(stream, group):
            name = info["name"].decode() if isinstance(info["name"], bytes) else str(info["name"])
            if int(info["pending"]) == 0 and int(info["idle"]) >= min_idle_ms:
                await client.xgroup_delconsumer(stream, group, name)
                removed.append(name)
    except RedisError as exc:
        logger.warning("could not tidy the consumers of %s: %s", group, exc, extra={"stream": stream})
    return removed
