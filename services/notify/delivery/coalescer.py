"""One Redis round trip for the commands that concurrent deliveries issue in the same loop turn.

A round trip costs far more CPU than a command (the socket write and read, the client's
bookkeeping), and the courier runs many sends and accepts at once, each a short chain of
Redis steps. Steps queued through :meth:`Coalescer.run` in one turn of the event loop
leave together in one MULTI at the start of the next turn, so the cost is paid per turn
instead of per alert. The MULTI keeps each caller's commands atomic, as its own
transaction would; a turn whose callers each queued one command (a script, a read) needs no
MULTI, a single command being atomic already, and saves its two extra replies per command.
While a round trip is in flight, steps queued meanwhile wait for it and leave together in the
next: the busier the courier, the more steps each round trip carries.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

MAX_IN_FLIGHT = 1
"""Round trips under way at once; a step queued while they all are waits for one to end."""

Queue = Callable[[Pipeline], Awaitable[Any] | None]
"""Adds one caller's commands to the shared pipeline (awaitable when it queues a script)."""


class Coalescer:
    """Runs the commands queued in one loop turn as one transaction and hands each caller its replies."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._waiting: list[tuple[Queue, asyncio.Future[list[Any]]]] = []
        self._flushes: set[asyncio.Task[None]] = set()
        self._due = False  # a flush is called for: soon, or when a round trip in flight ends
        self.round_trips = 0

    async def run(self, queue: Queue) -> list[Any]:
        """Queue commands with ``queue(pipe)`` and return their replies; a failed command raises its error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        if not self._due:
            self._due = True
            loop.call_soon(self._flush)
        self._waiting.append((queue, future))
        return await future

    async def script(self, script: AsyncScript, keys: list[Any], args: list[Any]) -> Any:
        """Run a registered script as a step of its own and return its reply.

        Queued by its SHA alone: a pipeline given the script object would first ask Redis
        whether it knows it (a round trip more per flush). A Redis that lost its scripts (a
        restart) answers NOSCRIPT, which did nothing; the script is then loaded and run again.
        """

        def queue(pipe: Pipeline) -> None:
            pipe.evalsha(script.sha, len(keys), *keys, *args)

        try:
            (reply,) = await self.run(queue)
        except NoScriptError:
            script.sha = await self.client.script_load(script.script)
            (reply,) = await self.run(queue)
        return reply

    def _flush(self) -> None:
        if len(self._flushes) >= MAX_IN_FLIGHT:
            return  # still due: the round trip in flight starts this one when it ends
        self._due = False
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        task = asyncio.get_running_loop().create_task(self._execute(waiting))
        self._flushes.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._flushed)

    def _flushed(self, task: asyncio.Task[None]) -> None:
        self._flushes.discard(task)
        if self._due:
            self._flush()

    async def _execute(self, waiting: list[tuple[Queue, asyncio.Future[list[Any]]]]) -> None:
        pipe = self.client.pipeline(transaction=True)
        bounds: list[tuple[int, int]] = []
        try:
            for queue, _ in waiting:
                start = len(pipe.command_stack)
                queued = queue(pipe)
                if inspect.isawaitable(queued):
                    await queued
                bounds.append((start, len(pipe.command_stack)))
            # redis-py reads a MULTI's "QUEUED" reply per command, one awaited read each
            pipe.is_transaction = any(end - start > 1 for start, end in bounds)
            self.round_trips += 1
            replies = await pipe.execute(raise_on_error=False)
        except asyncio.CancelledError:
            for _, future in waiting:
                future.cancel()
            raise
        except Exception as e:  # the round trip failed as a whole: so did every caller's step
            for _, future in waiting:
                if not future.done():
                    future.set_exception(e)
            return
        for (_, future), (start, end) in zip(waiting, bounds, strict=True):
            own = replies[start:end]
            error = next((r for r in own if isinstance(r, Exception)), None)
            if future.done():
                continue  # its caller was cancelled
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(own)
