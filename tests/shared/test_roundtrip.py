"""Requests of one event-loop turn share one pipelined round trip on a real Valkey."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from shared.errors import RedisUnavailable
from shared.roundtrip import RoundTrip, pipelined


async def test_requests_of_one_turn_share_a_round_trip_and_get_their_own_replies(redis: aioredis.Redis) -> None:
    flushes: list[list[str]] = []

    async def queue(pipe: Pipeline, keys: list[str]) -> None:
        flushes.append(keys)
        for key in keys:
            pipe.incr(key)

    trip = RoundTrip(pipelined(redis, queue), lambda key: f"counting {key}")
    replies = await asyncio.gather(*(trip.ask(key) for key in ("a", "b", "a")))
    assert replies == [1, 1, 2]
    assert flushes == [["a", "b", "a"]]
    assert await trip.ask("b") == 2
    assert len(flushes) == 2


async def test_a_redis_error_says_which_request_failed_and_spares_the_others(redis: aioredis.Redis) -> None:
    await redis.set("text", "not a number")

    async def queue(pipe: Pipeline, keys: list[str]) -> None:
        for key in keys:
            pipe.incr(key)

    trip = RoundTrip(pipelined(redis, queue), lambda key: f"counting {key}")
    good, bad = await asyncio.gather(trip.ask("count"), trip.ask("text"), return_exceptions=True)
    assert good == 1
    assert isinstance(bad, RedisUnavailable)
    assert str(bad).startswith("counting text: ")


async def test_a_failure_to_send_reaches_every_waiting_request(redis: aioredis.Redis) -> None:
    async def queue(pipe: Pipeline, keys: list[str]) -> None:
        raise ValueError("cannot queue")

    trip = RoundTrip(pipelined(redis, queue), str)
    results = await asyncio.gather(trip.ask("x"), trip.ask("y"), return_exceptions=True)
    assert [type(r) for r in results] == [ValueError, ValueError]
    with pytest.raises(ValueError, match="cannot queue"):
        await trip.ask("z")
