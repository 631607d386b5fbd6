"""A consuming stage of the pipeline: reader, claimer, dead letters, atomic idempotent output.

Every stage reads its input stream through a consumer group in small batches, runs a
core function per entry (concurrently within a batch), and writes, in one MULTI, the
outputs, an idempotency mark and the XACK. An entry whose core fails stays pending; a
claimer takes back entries idle longer than the worst handling time and, past
``max_deliveries``, copies them to the stage's dead-letter stream with the reason before
acknowledging them. A payload that cannot be decoded is dead-lettered at once.

The commit is decided inside Redis (:mod:`shared.commit`): outputs are written only by the
consumer that sets the idempotency mark, and a dead letter only by the one whose XACK
removed the entry, so two consumers racing on one entry (a paused process resumed after
its work was claimed) never publish it twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import redis.asyncio as aioredis
from faststream import AckPolicy
from faststream.message import StreamMessage
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.message import FAKE_CONSUMER, RedisStreamMessage
from faststream.redis.message import RedisBatchStreamMessage as BatchStreamMessage
from pydantic import ValidationError

from shared.commit import DATA_FIELD, Committer, Encoded, unframe
from shared.errors import InputError
from shared.letters import dead_letter, reason_of
from shared.metrics import handler_seconds, track_stage
from shared.models import Contract
from shared.settings import CommonSettings
from shared.streams import DEAD_MAXLEN, DONE_TTL_S, PREFIX, STREAM_MAXLEN, dead, done_key

logger = logging.getLogger(__name__)

In = TypeVar("In", bound=Contract)
Output = tuple[str, Contract | Encoded]
"""A (stream, payload) pair a stage publishes: a model, or the JSON its producer encoded for one."""

CLAIM_MARGIN = 2
"""The claimer's idle time is at least this many times the longest an entry may be handled."""
CLAIM_POLL_MIN_MS = 100
CLAIM_POLL_MAX_MS = 1_000


@dataclass(frozen=True)
class Stage(Generic[In]):
    """What a stage consumes and how it turns one input into outputs."""

    name: str
    stream: str
    group: str
    model: type[In]
    handle: Callable[[In], Awaitable[Sequence[Output]]]
    key: Callable[[In], str]


@dataclass
class StageCounters:
    """What a stage did since start, for the shutdown summary and metrics."""

    handled: int = 0
    skipped: int = 0
    failed: int = 0
    dead: int = 0
    published: int = 0


def handle_timeout_s(settings: CommonSettings) -> float:
    """How long a batch may be handled: short enough that a healthy consumer's batch never looks idle.

    A batch's entries stay pending while it is handled; the claimer must wait longer than
    that, or it would steal live work (and its retries would start before the first try ended).
    """
    return min(settings.graceful_timeout_s, settings.claim_idle_ms / 1000 / CLAIM_MARGIN)


def claim_poll_ms(claim_idle_ms: int) -> int:
    """How long the claimer waits after finding nothing to claim: a tenth of the idle time, 0.1 to 1 s.

    Entries become claimable only after ``claim_idle_ms``, so polling much more often finds
    nothing; each empty poll costs a round trip and FastStream's copies of the subscription.
    """
    return max(CLAIM_POLL_MIN_MS, min(CLAIM_POLL_MAX_MS, claim_idle_ms // 10))


def consumer_name() -> str:
    """A consumer name unique to this process (a shared name would merge pending lists)."""
    return f"{socket.gethostname()}-{os.getpid()}"


def decode_payload(fields: dict[bytes, bytes]) -> bytes:
    """Return the JSON body of a stream entry, whether FastStream or a raw producer wrote it."""
    raw = fields.get(DATA_FIELD)
    if raw is None:
        raise InputError(f"entry has no {DATA_FIELD.decode()} field")
    return unframe(raw)


async def batch_as_read(message: Mapping[str, Any]) -> BatchStreamMessage:
    """The reader's parser: the batch as Redis returned it, each entry decoded later by the stage.

    FastStream's own batch parser decodes every entry's JSON, encodes the batch as one JSON
    array and its decoder parses that again: three passes over payloads the stage reads once,
    from ``raw_message``. The stage acknowledges entries itself, so no consumer is bound.
    """
    return BatchStreamMessage(raw_message=message, body=b"", consumer=FAKE_CONSUMER, group=None)


async def undecoded(message: StreamMessage[Any]) -> None:
    """The reader's decoder: nothing to decode (see :func:`batch_as_read`)."""


class _Batch:
    """The handlers of one batch counting down: ``over`` resolves when the last ends or the deadline passes.

    One countdown instead of ``asyncio.wait``, which adds and removes a callback on every task
    and runs one more loop callback per task: more than half of a task's cost.
    """

    __slots__ = ("left", "over")

    def __init__(self, over: asyncio.Future[None], left: int) -> None:
        self.over = over
        self.left = left

    def one_done(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.close()

    def close(self) -> None:
        if not self.over.done():
            self.over.set_result(None)


class StageRunner(Generic[In]):
    """Attach one stage's reader and claimer to a broker and run its entries."""

    def __init__(
        self,
        stage: Stage[In],
        broker: RedisBroker,
        client: aioredis.Redis,
        settings: CommonSettings,
        consumer: str | None = None,
    ) -> None:
        self.stage = stage
        self.broker = broker
        self.client = client
        self.settings = settings
        self.consumer = consumer or consumer_name()
        self.counters = StageCounters()
        track_stage(self)
        self.errors_key = f"{PREFIX}:errors:{stage.group}"
        self.committer = Committer(stage.stream, stage.group)
        self.handle_timeout_s = handle_timeout_s(settings)
        self.latency = handler_seconds(stage.name)
        self.done_prefix = done_key(stage.group, "")
        # the model's validator itself: model_validate_json wraps it in a Python call with five keywords
        self._validate = stage.model.__pydantic_validator__.validate_json

    def attach(self) -> None:
        """Register the reader (new entries, batched) and the claimer (idle pending entries)."""
        stage, settings = self.stage, self.settings

        # the message is read from FastStream's context, not taken as a Context() parameter: fast_depends
        # resolves such a parameter in a worker thread, a thread hop and a task group per message
        context = self.broker.context

        async def read() -> None:
            message: BatchStreamMessage = context.get_local("message")
            entries = list(zip(message.raw_message["message_ids"], message.raw_message["data"], strict=True))
            await self.process(entries, deliveries={})

        async def claim() -> None:
            message: RedisStreamMessage = context.get_local("message")
            (entry_id,) = message.raw_message["message_ids"]
            count = await message.get_delivery_count()
            await self.process([(entry_id, message.raw_message["data"])], deliveries={entry_id: count})

        read.__name__ = f"on_{stage.name}_batch"
        claim.__name__ = f"on_{stage.name}_claimed"
        self.broker.subscriber(
            stream=StreamSub(
                stage.stream,
                group=stage.group,
                consumer=self.consumer,
                batch=True,
                max_records=settings.batch_size,
            ),
            ack_policy=AckPolicy.MANUAL,
            parser=batch_as_read,
            decoder=undecoded,
            title=f"{stage.name}:read",
            description=f"Reads {stage.model.__name__} entries of {stage.stream} in batches.",
        )(read)
        self.broker.subscriber(
            stream=StreamSub(
                stage.stream,
                group=stage.group,
                consumer=f"{self.consumer}-claim",
                min_idle_time=settings.claim_idle_ms,
                polling_interval=claim_poll_ms(settings.claim_idle_ms),
            ),
            ack_policy=AckPolicy.MANUAL,
            title=f"{stage.name}:claim",
            description=f"Reclaims {stage.stream} entries idle over {settings.claim_idle_ms} ms.",
        )(claim)

    async def process(self, entries: Sequence[tuple[bytes, dict[bytes, bytes]]], deliveries: dict[bytes, int]) -> None:
        """Handle a batch: decode, skip done ones, run the core, then write everything in one MULTI."""
        work: list[tuple[bytes, In]] = []
        dead_letters: list[tuple[bytes, dict[bytes, bytes], str, int]] = []
        validate, max_deliveries = self._validate, self.settings.max_deliveries
        for entry_id, fields in entries:
            count = deliveries.get(entry_id, 1)
            try:
                item: In = validate(decode_payload(fields))
            except (InputError, ValidationError, ValueError) as exc:
                dead_letters.append((entry_id, fields, f"invalid {self.stage.model.__name__}: {reason_of(exc)}", count))
                continue
            if count > max_deliveries:
                last = await self.client.hget(self.errors_key, entry_id)
                last_text = last.decode() if isinstance(last, bytes) else str(last or "unknown")
                reason = f"gave up after {count - 1} deliveries; last error: {last_text}"
                dead_letters.append((entry_id, fields, reason, count))
                continue
            work.append((entry_id, item))
        fresh, skipped = await self._drop_done(work)
        results = await self._run_all([item for _, item, _ in fresh])
        await self._commit(fresh, results, dead_letters, skipped, dict(entries))

    async def _drop_done(self, work: list[tuple[bytes, In]]) -> tuple[list[tuple[bytes, In, str]], list[bytes]]:
        """Split work into entries to run, with their done keys, and entries whose input was already handled."""
        if not work:
            return [], []
        prefix, key = self.done_prefix, self.stage.key
        keys = [prefix + key(item) for _, item in work]
        marks = await self.client.mget(keys)
        fresh: list[tuple[bytes, In, str]] = []
        skipped: list[bytes] = []
        seen: set[str] = set()
        for (entry_id, item), done, mark in zip(work, keys, marks, strict=True):
            if mark is None and done not in seen:
                fresh.append((entry_id, item, done))
                seen.add(done)
            else:
                skipped.append(entry_id)
        self.counters.skipped += len(skipped)
        return fresh, skipped

    async def _run_all(self, items: list[In]) -> list[Sequence[Output] | BaseException]:
        """Run the core on every item concurrently; whatever misses the batch deadline fails."""
        if not items:
            return []
        loop = asyncio.get_running_loop()
        batch = _Batch(loop.create_future(), len(items))
        tasks = [loop.create_task(self._run_one(item, batch)) for item in items]
        deadline = loop.call_later(self.handle_timeout_s, batch.close)
        try:
            await batch.over
        finally:
            deadline.cancel()
        late = {task for task in tasks if not task.done()}
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        timeout = TimeoutError(f"not handled within {self.handle_timeout_s:g} s")
        return [timeout if task in late else (task.exception() or task.result()) for task in tasks]

    async def _run_one(self, item: In, batch: _Batch) -> Sequence[Output]:
        """Run the core on one item, recording how long it took (failures included)."""
        start = time.perf_counter()
        try:
            return await self.stage.handle(item)
        finally:
            self.latency.observe(time.perf_counter() - start)
            batch.one_done()

    async def _commit(
        self,
        fresh: list[tuple[bytes, In, str]],
        results: Sequence[Sequence[Output] | BaseException],
        dead_letters: list[tuple[bytes, dict[bytes, bytes], str, int]],
        skipped: list[bytes],
        fields_by_id: dict[bytes, dict[bytes, bytes]],
    ) -> None:
        stage = self.stage
        pipe = self.client.pipeline(transaction=True)
        acked = list(skipped)
        if skipped:
            pipe.xack(stage.stream, stage.group, *skipped)
        commits: list[tuple[bytes, str, Sequence[Output]]] = []
        for (entry_id, item, done), result in zip(fresh, results, strict=True):
            if isinstance(result, InputError):
                dead_letters.append((entry_id, fields_by_id[entry_id], reason_of(result), 1))
            elif isinstance(result, BaseException):
                await self._record_failure(entry_id, item, result)
            else:
                commits.append((entry_id, done, result))
                acked.append(entry_id)
        if commits:
            self.committer.outputs(pipe, commits, ttl_s=DONE_TTL_S, maxlen=STREAM_MAXLEN)
        for entry_id, fields, reason, count in dead_letters:
            letter = dead_letter(stage.stream, stage.group, entry_id, fields, reason=reason, count=count)
            self.committer.dead_letter(pipe, entry_id, dead(stage.stream), letter, DEAD_MAXLEN)
            acked.append(entry_id)
            logger.warning("dead-lettering %s: %s", entry_id.decode(), reason, extra={"stream": stage.stream})
        if not acked:
            return
        pipe.hdel(self.errors_key, *acked)
        replies = await pipe.execute()
        self._count(replies, [len(outputs) for _, _, outputs in commits], len(dead_letters), bool(skipped))

    def _count(self, replies: list[Any], published: list[int], dead_count: int, skipped: bool) -> None:
        """Update counters from the scripts' replies: 1 = this consumer won, 0 = another one had.

        The replies are: the XACK of skipped entries (if any), the outputs script's list (if
        anything was published), one reply per dead letter, the HDEL.
        """
        at = int(skipped)
        wins: list[int] = list(replies[at]) if published else []
        at += bool(published)
        for won, outputs in zip(wins, published, strict=True):
            if won:
                self.counters.handled += 1
                self.counters.published += outputs
            else:
                self.counters.skipped += 1
        self.counters.dead += sum(1 for won in replies[at : at + dead_count] if won)

    async def _record_failure(self, entry_id: bytes, item: In, exc: BaseException) -> None:
        self.counters.failed += 1
        message = reason_of(exc)
        await self.client.hset(self.errors_key, entry_id, message.encode())
        logger.error(
            "%s failed on %s, left pending for retry: %s",
            self.stage.name,
            entry_id.decode(),
            message,
            extra={"stream": self.stage.stream, "article_id": getattr(item, "id", None)},
        )
