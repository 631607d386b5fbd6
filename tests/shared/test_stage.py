"""The stage runner on a real Valkey: backlog from id 0, claiming, dead letters, idempotent output."""

from __future__ import annotations

import asyncio
import base64
from asyncio import Barrier
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from faststream.redis.parser.binary import BinaryMessageFormatV1

from shared.broker import ensure_groups, forget_dead_consumers, make_broker
from shared.errors import InputError
from shared.letters import MAX_DEAD_PAYLOAD_BYTES
from shared.metrics import handler_seconds
from shared.models import Article, DeadLetter
from shared.settings import CommonSettings
from shared.stage import Output, Stage, StageRunner, claim_poll_ms, handle_timeout_s
from shared.streams import dead, done_key
from tests.waiting import wait_until

IN, OUT, GROUP = "test:in", "test:out", "test-group"


def article(n: int, title: str = "Sommet de l'AES à Niamey") -> Article:
    return Article(id=f"{n:016x}", title=title, text=f"Texte {n}", source="example.org")


@dataclass
class Core:
    """A stage core that records calls and can be told to fail."""

    calls: list[str] = field(default_factory=list)
    fail_titles: set[str] = field(default_factory=set)
    reject_titles: set[str] = field(default_factory=set)

    async def handle(self, item: Article) -> Sequence[Output]:
        self.calls.append(item.id)
        if item.title in self.fail_titles:
            raise RuntimeError("downstream unavailable")
        if item.title in self.reject_titles:
            raise InputError("article cannot be tagged: no usable text")
        return [(OUT, item)]


def settings(**overrides: object) -> CommonSettings:
    values: dict[str, object] = {"claim_idle_ms": 200, "max_deliveries": 3, "batch_size": 8, **overrides}
    return CommonSettings.model_validate(values)


@pytest.fixture
async def broker(redis_url: str) -> AsyncIterator[RedisBroker]:
    b = make_broker(redis_url, graceful_timeout_s=2)
    await b.connect()
    yield b
    await b.stop()


async def start_stage(redis_url: str, client: aioredis.Redis, core: Core, **overrides: object) -> RedisBroker:
    await ensure_groups(client, [(IN, GROUP)])
    broker = make_broker(redis_url, graceful_timeout_s=2)
    stage = Stage(name="test", stream=IN, group=GROUP, model=Article, handle=core.handle, key=lambda a: a.id)
    StageRunner(stage, broker, client, settings(**overrides), consumer="tester").attach()
    await broker.start()
    return broker


async def out_ids(client: aioredis.Redis) -> list[str]:
    entries = await client.xrange(OUT)
    bodies = [BinaryMessageFormatV1.parse(fields[b"__data__"])[0] for _, fields in entries]
    return [Article.model_validate_json(b).id for b in bodies]


async def dead_letters(client: aioredis.Redis) -> list[DeadLetter]:
    entries = await client.xrange(dead(IN))
    return [DeadLetter.model_validate_json(BinaryMessageFormatV1.parse(f[b"__data__"])[0]) for _, f in entries]


async def pending(client: aioredis.Redis) -> int:
    info = await client.xpending(IN, GROUP)
    return int(info["pending"])


async def test_backlog_published_before_start_is_consumed(redis: aioredis.Redis, redis_url: str, broker: RedisBroker):
    for n in range(5):
        await broker.publish(article(n), stream=IN)
    core = Core()
    consumer = await start_stage(redis_url, redis, core)
    try:
        await wait_until(lambda: _count(redis, OUT, 5), what="5 outputs")
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
    finally:
        await consumer.stop()
    assert sorted(await out_ids(redis)) == sorted(article(n).id for n in range(5))


async def test_entry_left_pending_by_a_dead_consumer_is_claimed(
    redis: aioredis.Redis, redis_url: str, broker: RedisBroker
):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1), stream=IN)
    # a consumer that read the entry and died before acknowledging it
    read = await redis.xreadgroup(GROUP, "crashed-consumer", {IN: ">"}, count=1)
    assert len(read[0][1]) == 1
    core = Core()
    consumer = await start_stage(redis_url, redis, core)
    try:
        await wait_until(lambda: _count(redis, OUT, 1), what="the claimed entry's output")
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
    finally:
        await consumer.stop()
    assert await out_ids(redis) == [article(1).id]


async def test_undecodable_entries_are_dead_lettered_once_with_a_reason(
    redis: aioredis.Redis, redis_url: str, broker: RedisBroker
):
    await ensure_groups(redis, [(IN, GROUP)])
    await redis.xadd(IN, {b"__data__": b"\xff\xfe not json"})
    await redis.xadd(IN, {b"other": b"field"})
    await broker.publish({"schema_version": 2, "id": "00000000", "title": "x"}, stream=IN)
    await broker.publish(article(7), stream=IN)
    core = Core()
    consumer = await start_stage(redis_url, redis, core)
    try:
        await wait_until(lambda: _count(redis, dead(IN), 3), what="three dead letters")
        await wait_until(lambda: _count(redis, OUT, 1), what="the good entry's output")
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
    finally:
        await consumer.stop()
    letters = await dead_letters(redis)
    assert len(letters) == 3
    assert all(letter.reason.startswith("invalid Article") or "no __data__" in letter.reason for letter in letters)
    assert base64.b64decode(letters[0].payload_b64) == b"\xff\xfe not json"
    assert core.calls == [article(7).id]


async def test_failing_entry_is_retried_then_dead_lettered_after_the_bound(
    redis: aioredis.Redis, redis_url: str, broker: RedisBroker
):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1, title="poison"), stream=IN)
    await broker.publish(article(2), stream=IN)
    core = Core(fail_titles={"poison"})
    consumer = await start_stage(redis_url, redis, core, max_deliveries=3)
    try:
        await wait_until(lambda: _count(redis, dead(IN), 1), timeout_s=15, what="the poison entry's dead letter")
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
    finally:
        await consumer.stop()
    letters = await dead_letters(redis)
    assert len(letters) == 1
    assert "gave up after 3 deliveries" in letters[0].reason
    assert "downstream unavailable" in letters[0].reason
    assert core.calls.count(article(1).id) == 3
    assert await out_ids(redis) == [article(2).id]


async def test_input_error_from_the_core_is_dead_lettered_at_once(
    redis: aioredis.Redis, redis_url: str, broker: RedisBroker
):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1, title="empty"), stream=IN)
    core = Core(reject_titles={"empty"})
    consumer = await start_stage(redis_url, redis, core)
    try:
        await wait_until(lambda: _count(redis, dead(IN), 1), what="the rejected entry's dead letter")
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
    finally:
        await consumer.stop()
    assert core.calls == [article(1).id]
    assert (await dead_letters(redis))[0].reason == "article cannot be tagged: no usable text"


async def test_redelivered_input_yields_no_second_output(redis: aioredis.Redis, redis_url: str, broker: RedisBroker):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1), stream=IN)
    await broker.publish(article(1), stream=IN)  # the same input twice, as after a producer retry
    core = Core()
    consumer = await start_stage(redis_url, redis, core)
    try:
        await wait_until(lambda: _zero_pending(redis), what="no pending entries")
        await wait_until(lambda: _count(redis, OUT, 1), what="one output")
    finally:
        await consumer.stop()
    assert await out_ids(redis) == [article(1).id]


async def _count(client: aioredis.Redis, stream: str, n: int) -> bool:
    return int(await client.xlen(stream)) >= n


async def _zero_pending(client: aioredis.Redis) -> bool:
    return await pending(client) == 0 and int(await client.xlen(IN)) > 0


async def test_two_consumers_racing_on_one_entry_publish_it_once(redis: aioredis.Redis, broker: RedisBroker):
    """A paused consumer resumed after its entry was claimed must not publish it a second time."""
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1), stream=IN)
    await redis.xadd(IN, {b"__data__": b"not a payload"})
    ((_, entries),) = await redis.xreadgroup(GROUP, "paused", {IN: ">"}, count=2)
    both_running = Barrier(2)
    core = Core()

    async def handle(item: Article) -> Sequence[Output]:
        await both_running.wait()  # both consumers are past the done-mark check
        return await core.handle(item)

    stage = Stage(name="test", stream=IN, group=GROUP, model=Article, handle=handle, key=lambda a: a.id)
    paused = StageRunner(stage, broker, redis, settings(), consumer="paused")
    claimer = StageRunner(stage, broker, redis, settings(), consumer="claimer")
    entry_ids = [entry_id for entry_id, _ in entries]
    await redis.xclaim(IN, GROUP, "claimer", 0, entry_ids)
    await asyncio.gather(paused.process(entries, {}), claimer.process(entries, {}))
    assert core.calls == [article(1).id, article(1).id]
    assert await out_ids(redis) == [article(1).id]
    assert len(await dead_letters(redis)) == 1
    assert paused.counters.handled + claimer.counters.handled == 1
    assert paused.counters.dead + claimer.counters.dead == 1
    assert await pending(redis) == 0


def test_handling_deadline_stays_well_under_the_claim_idle_time():
    assert handle_timeout_s(settings(claim_idle_ms=30_000, graceful_timeout_s=60)) == 15
    assert handle_timeout_s(settings(claim_idle_ms=60_000, graceful_timeout_s=5)) == 5
    assert handle_timeout_s(settings(claim_idle_ms=300)) == pytest.approx(0.15)


async def test_an_entry_slower_than_its_deadline_fails_instead_of_being_stolen(
    redis: aioredis.Redis, broker: RedisBroker
):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1), stream=IN)
    ((_, entries),) = await redis.xreadgroup(GROUP, "slow", {IN: ">"}, count=1)

    async def hang(item: Article) -> Sequence[Output]:
        await asyncio.Event().wait()
        return []

    stage = Stage(name="test", stream=IN, group=GROUP, model=Article, handle=hang, key=lambda a: a.id)
    runner = StageRunner(stage, broker, redis, settings(claim_idle_ms=300), consumer="slow")
    started = asyncio.get_running_loop().time()
    await runner.process(entries, {})
    assert asyncio.get_running_loop().time() - started < 0.3  # done before the claimer could take it
    assert runner.counters.failed == 1
    assert "TimeoutError" in (await redis.hget(runner.errors_key, entries[0][0])).decode()
    assert await pending(redis) == 1  # left for a retry, not lost


async def test_each_entry_is_timed_and_fails_alone_within_its_batch(redis: aioredis.Redis, broker: RedisBroker):
    """A failing and a hanging entry fail on their own; all three handlings are observed as latencies."""
    await ensure_groups(redis, [(IN, GROUP)])
    for n in (1, 2, 3):
        await broker.publish(article(n), stream=IN)
    ((_, entries),) = await redis.xreadgroup(GROUP, "reader", {IN: ">"}, count=3)

    async def handle(item: Article) -> Sequence[Output]:
        if item.id == article(2).id:
            raise RuntimeError("downstream unavailable")
        if item.id == article(3).id:
            await asyncio.Event().wait()
        return [(OUT, item)]

    stage = Stage(name="timed_batch", stream=IN, group=GROUP, model=Article, handle=handle, key=lambda a: a.id)
    runner = StageRunner(stage, broker, redis, settings(claim_idle_ms=300), consumer="reader")
    before = sum(handler_seconds("timed_batch").counts)
    await runner.process(entries, {})
    assert sum(handler_seconds("timed_batch").counts) == before + 3
    assert await out_ids(redis) == [article(1).id]
    assert (runner.counters.handled, runner.counters.failed) == (1, 2)
    reasons = await redis.hgetall(runner.errors_key)
    assert sorted(reason.decode().split(":")[0] for reason in reasons.values()) == ["RuntimeError", "TimeoutError"]
    assert await pending(redis) == 2


async def test_oversized_poison_is_dead_lettered_with_its_payload_cut(redis: aioredis.Redis, broker: RedisBroker):
    await ensure_groups(redis, [(IN, GROUP)])
    huge = b'{"id": "' + b"a" * (10 << 20) + b'"}'
    await redis.xadd(IN, {b"__data__": huge})
    ((_, entries),) = await redis.xreadgroup(GROUP, "reader", {IN: ">"}, count=1)
    stage = Stage(name="test", stream=IN, group=GROUP, model=Article, handle=Core().handle, key=lambda a: a.id)
    await StageRunner(stage, broker, redis, settings(), consumer="reader").process(entries, {})
    (letter,) = await dead_letters(redis)
    assert letter.reason.startswith("invalid Article")
    assert f"payload of {len(huge)} bytes cut to {MAX_DEAD_PAYLOAD_BYTES}" in letter.reason
    assert len(base64.b64decode(letter.payload_b64)) == MAX_DEAD_PAYLOAD_BYTES
    assert await pending(redis) == 0


async def test_only_silent_consumers_holding_nothing_are_forgotten(redis: aioredis.Redis, broker: RedisBroker):
    await ensure_groups(redis, [(IN, GROUP)])
    await broker.publish(article(1), stream=IN)
    await redis.xreadgroup(GROUP, "killed-holding-work", {IN: ">"}, count=1)
    await redis.xreadgroup(GROUP, "killed-idle", {IN: ">"}, count=1)
    assert await forget_dead_consumers(redis, IN, GROUP, min_idle_ms=60_000) == []  # none silent for a minute
    assert await forget_dead_consumers(redis, IN, GROUP, min_idle_ms=0) == ["killed-idle"]
    names = [info["name"] for info in await redis.xinfo_consumers(IN, GROUP)]
    assert names == [b"killed-holding-work"]
    assert await pending(redis) == 1


@pytest.mark.parametrize(("claim_idle_ms", "poll_ms"), [(100, 100), (2_000, 200), (5_000, 500), (30_000, 1_000)])
def test_the_claimer_polls_a_tenth_of_the_idle_time_within_bounds(claim_idle_ms: int, poll_ms: int) -> None:
    assert claim_poll_ms(claim_idle_ms) == poll_ms


async def test_one_batch_commits_each_entry_on_its_own_mark(redis: aioredis.Redis, broker: RedisBroker):
    """Outputs of a batch go in one script: an entry another consumer finished publishes nothing, the rest do."""
    await ensure_groups(redis, [(IN, GROUP)])
    for n in (1, 2, 3, 4):
        await broker.publish(article(n), stream=IN)
    ((_, entries),) = await redis.xreadgroup(GROUP, "reader", {IN: ">"}, count=4)

    async def handle(item: Article) -> Sequence[Output]:
        if item.id == article(2).id:  # another consumer commits it while this one works on it
            await redis.set(done_key(GROUP, item.id), "1")
        if item.id == article(3).id:
            return []
        return [(OUT, item), (OUT, item)] if item.id == article(1).id else [(OUT, item)]

    stage = Stage(name="test", stream=IN, group=GROUP, model=Article, handle=handle, key=lambda a: a.id)
    runner = StageRunner(stage, broker, redis, settings(), consumer="reader")
    await runner.process(entries, {})
    assert await out_ids(redis) == [article(1).id, article(1).id, article(4).id]
    assert (runner.counters.handled, runner.counters.skipped, runner.counters.published) == (3, 1, 3)
    assert await pending(redis) == 0
