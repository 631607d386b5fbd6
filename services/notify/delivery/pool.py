"""Keep up to N jobs in flight: claim another as soon as one finishes, instead of sending in waves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pool:
    """Runs claimed jobs concurrently, at most ``size`` at a time, until stopped.

    ``claim(n)`` returns up to ``n`` jobs due now; ``work(job)`` runs one and never raises.
    Setting ``wake`` says new work is due, so an idle pool claims before its next poll.
    """

    size: int
    claim: Callable[[int], Awaitable[list[str]]]
    work: Callable[[str], Coroutine[Any, Any, None]]
    poll_interval_s: float
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    running: set[asyncio.Task[None]] = field(default_factory=set)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and run jobs until ``stop`` is set, then let the running ones finish."""
        while not stop.is_set():
            free = self.size - len(self.running)
            if free > 0:
                self.wake.clear()
                jobs = await self.claim(free)
                for job in jobs:
                    task = asyncio.create_task(self.work(job))
                    self.running.add(task)
                    task.add_done_callback(self.running.discard)
                if len(jobs) == free:
                    continue  # every slot is busy and more may be due: wait for a slot below
            await self._idle(stop, full=free <= 0)
        if self.running:
            await asyncio.wait(self.running)

    async def _idle(self, stop: asyncio.Event, *, full: bool) -> None:
        """Wait for a free slot when all are busy, else for new work; a stop ends either wait."""
        own = [asyncio.ensure_future(stop.wait())]
        if not full:
            own.append(asyncio.ensure_future(self.wake.wait()))
        waiters = [*own, *self.running] if full else own
        await asyncio.wait(waiters, timeout=None if full else self.poll_interval_s, return_when="FIRST_COMPLETED")
        for waiter in own:
            waiter.cancel()
