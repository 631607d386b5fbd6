"""Requests made during one event-loop turn, sent to Redis together in one round trip."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from shared.errors import RedisUnavailable

T = TypeVar("T")
Send = Callable[[list[T]], Awaitable[Sequence[object]]]
"""Sends a turn's requests in one round trip and returns one reply per request, in order (an
exception object for a request that failed alone)."""


def pipelined(client: aioredis.Redis, queue: Callable[[Pipeline, list[T]], Awaitable[None]]) -> Send[T]:
    """A sender that queues every request of a turn into one pipeline, one command per request."""

    async def send(requests: list[T]) -> Sequence[object]:
        pipe = client.pipeline(transaction=False)
        await queue(pipe, requests)
        replies: list[object] = await pipe.execute(raise_on_error=False)
        return replies

    return send


class RoundTrip(Generic[T]):
    """Collects what the handlers of a batch ask before the event loop comes back, and sends it at once.

    A stage runs a batch's handlers concurrently: each asks and waits. The first request of a
    turn schedules one flush, which hands every waiting request to ``send`` (a pipeline of one
    command per request, see :func:`pipelined`, or one script call for them all) and gives each
    asker its reply. A Redis error comes back as :class:`RedisUnavailable` saying what failed
    (``what`` names the request).
    """

    def __init__(self, send: Send[T], what: Callable[[T], str]) -> None:
        self._send_all = send
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
            replies = await self._send_all([request for request, _ in batch])
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
