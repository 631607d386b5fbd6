"""The stage runner on a real Valkey: backlog from id 0, claiming, dead letters, idempotent output."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from faststream.redis.parser.binary import BinaryMessageFormatV1

from shared.broker import ensure_groups, make_broker
from shared.errors import InputError
from shared.models import Article, DeadLetter
from shared.settings import CommonSettings
from shared.stage import Output, Stage, StageRunner
from shared.streams import dead
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
