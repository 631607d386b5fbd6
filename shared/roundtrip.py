"""Requests made during one event-loop turn, sent to Redis together in one pipelined round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from shared.errors import RedisUnavailable

T = TypeVar("T")


class RoundTrip(Generic[T]):
    """Collects what the handlers of a batch ask before the event loop comes back, and sends it at once.

    A stage runs a batch's handlers concurrently: each asks and waits. The first request of a
    turn schedules one flush, which queues every waiting request into one pipeline (``queue``
    writes one command per request, in order) and gives each asker its reply. A Redis error
    comes back as :class:`RedisUnavailable` saying what failed (``what`` names the request).
    """

    def __init__(
        self,
        client: aioredis.Redis,
        queue: Callable[[Pipeline, list[T]], Awaitable[None]],
        what: Callable[[T], str],
    ) -> None:
        self.client = client
        self._queue = queue
        self._what = what
        self._waiting: list[tuple[T, asyncio.Future[object]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def ask(self, request: T) -> object:
        """Send ``request`` with the others of this turn and return its reply."""
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._flush)
        answer: asyncio.Future[object] = loop.create_future()
        self._waiting.append((request, answer))
        return await answer

    def _flush(self) -> None:
        batch, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._send(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _send(self, batch: list[tuple[T, asyncio.Future[object]]]) -> None:
        try:
            pipe = self.client.pipeline(transaction=False)
            await self._queue(pipe, [request for request, _ in batch])
            replies: list[object] = await pipe.execute(raise_on_error=False)
        except asyncio.CancelledError:
            for _, answer in batch:
                answer.cancel()
            raise
        except Exception as e:
            # whatever failed, every waiting handler must hear of it, or it would wait forever
            replies = [e] * len(batch)
        for (request, answer), reply in zip(batch, replies, strict=True):
            if answer.done():
                continue
            if isinstance(reply, RedisError):
                failure = RedisUnavailable(f"{self._what(request)}: {reply}")
                failure.__cause__ = reply
                answer.set_exception(failure)
            elif isinstance(reply, BaseException):
                answer.set_exception(reply)
            else:
                answer.set_result(reply)
