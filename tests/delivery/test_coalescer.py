"""The coalescer on a real Valkey: concurrent steps share one round trip, each gets its own replies and errors."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from services.notify.delivery.coalescer import Coalescer
from shared.broker import make_client


async def test_steps_queued_in_one_turn_travel_in_one_round_trip_with_their_own_replies(
    redis: aioredis.Redis,
) -> None:
    rounds = Coalescer(redis)
    await redis.set("a", b"1")

    def step(n: int):  # type: ignore[no-untyped-def]
        return lambda pipe: (pipe.incrby("n", n), pipe.get("a"))

    replies = await asyncio.gather(*(rounds.run(step(n)) for n in range(1, 6)))
    assert rounds.round_trips == 1
    assert [r[1] for r in replies] == [b"1"] * 5
    assert [r[0] for r in replies] == [1, 3, 6, 10, 15]  # in the order the steps were queued
    assert int(await redis.get("n")) == 15
    assert await rounds.run(lambda pipe: pipe.get("a")) == [b"1"]
    assert rounds.round_trips == 2


async def test_a_failing_command_fails_only_its_own_step(redis: aioredis.Redis) -> None:
    rounds = Coalescer(redis)
    await redis.set("text", b"x")
    good, bad = await asyncio.gather(
        rounds.run(lambda pipe: pipe.set("k", b"v")),
        rounds.run(lambda pipe: pipe.hget("text", "field")),  # wrong type: fails at EXEC
        return_exceptions=True,
    )
    assert good == [True]
    assert isinstance(bad, ResponseError)
    assert "WRONGTYPE" in str(bad)
    assert await redis.get("k") == b"v"
    assert rounds.round_trips == 1


async def test_script_steps_share_one_round_trip_and_survive_a_redis_that_lost_its_scripts(
    redis: aioredis.Redis,
) -> None:
    rounds = Coalescer(redis)
    script = redis.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    await redis.script_load(script.script)
    replies = await asyncio.gather(*(rounds.script(script, ["s"], [2]) for _ in range(3)))
    assert sorted(replies) == [2, 4, 6]
    assert rounds.round_trips == 1  # no SCRIPT EXISTS before it
    await redis.script_flush()  # as after a restart
    assert await rounds.script(script, ["s"], [1]) == 7  # NOSCRIPT did nothing; loaded, then run once
    assert int(await redis.get("s")) == 7


async def test_a_lost_round_trip_fails_every_step_in_it() -> None:
    client = make_client("redis://127.0.0.1:1")  # nothing listens there
    rounds = Coalescer(client)
    results = await asyncio.gather(
        rounds.run(lambda pipe: pipe.get("a")), rounds.run(lambda pipe: pipe.get("b")), return_exceptions=True
    )
    assert all(isinstance(r, RedisConnectionError) for r in results), results
    await client.aclose()


async def test_a_cancelled_caller_does_not_disturb_the_others(redis: aioredis.Redis) -> None:
    rounds = Coalescer(redis)
    first = asyncio.ensure_future(rounds.run(lambda pipe: pipe.set("one", b"1")))
    second = asyncio.ensure_future(rounds.run(lambda pipe: pipe.set("two", b"2")))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == [True]
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await redis.get("two") == b"2"


async def _multis(client: aioredis.Redis) -> int:
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_multi", {}).get("calls", 0))


async def test_a_turn_of_single_command_steps_needs_no_multi_and_one_of_several_does(redis: aioredis.Redis) -> None:
    rounds = Coalescer(redis)
    before = await _multis(redis)
    singles = await asyncio.gather(*(rounds.run(lambda pipe: pipe.incr("single")) for _ in range(4)))
    assert sorted(r[0] for r in singles) == [1, 2, 3, 4]
    assert await _multis(redis) == before  # one command is atomic by itself
    pair, single = await asyncio.gather(
        rounds.run(lambda pipe: (pipe.incr("pair"), pipe.incr("pair"))), rounds.run(lambda pipe: pipe.get("single"))
    )
    assert (pair, single) == ([1, 2], [b"4"])
    assert await _multis(redis) == before + 1  # a step of two commands keeps them atomic
    assert rounds.round_trips == 2


async def test_steps_queued_while_a_round_trip_is_in_flight_leave_together_in_the_next(redis: aioredis.Redis) -> None:
    rounds = Coalescer(redis)
    started, gate = asyncio.Event(), asyncio.Event()

    async def held(pipe: Pipeline) -> None:  # keeps the first round trip from finishing until the gate opens
        pipe.incr("first")
        started.set()
        await gate.wait()

    first = asyncio.ensure_future(rounds.run(held))
    await started.wait()  # the first round trip is under way
    second = asyncio.ensure_future(rounds.run(lambda pipe: pipe.incr("later")))
    await asyncio.sleep(0)
    third = asyncio.ensure_future(rounds.run(lambda pipe: pipe.incr("later")))  # a later turn of the loop
    await asyncio.sleep(0)
    assert rounds.round_trips == 0
    gate.set()
    assert await first == [1]
    assert not second.done()  # it waits for the next round trip
    assert sorted([*(await second), *(await third)]) == [1, 2]
    assert rounds.round_trips == 2
