"""The send pool keeps its slots busy: a slow job never holds back the ones claimed after it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.notify.delivery.pool import Pool
from tests.waiting import wait_until

WAIT_S = 5.0


class Jobs:
    """Due jobs handed out in order; each job runs until the test releases it."""

    def __init__(self, names: list[str]) -> None:
        self.due = list(names)
        self.gates = {name: asyncio.Event() for name in names}
        self.started: list[str] = []
        self.finished: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.asked: list[int] = []

    async def claim(self, limit: int) -> list[str]:
        self.asked.append(limit)
        taken, self.due = self.due[:limit], self.due[limit:]
        return taken

    async def work(self, job: str) -> None:
        self.started.append(job)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.gates[job].wait()
        self.in_flight -= 1
        self.finished.append(job)


async def until(check: Callable[[], bool]) -> None:
    async def holds() -> bool:
        return check()

    await wait_until(holds, WAIT_S, interval_s=0.001)


async def test_a_slow_send_does_not_hold_back_the_next_ones() -> None:
    jobs = Jobs(["slow", "b", "c", "d"])
    stop = asyncio.Event()
    pool = Pool(2, jobs.claim, jobs.work, poll_interval_s=60)
    runner = asyncio.create_task(pool.run(stop))
    await until(lambda: jobs.started == ["slow", "b"])
    jobs.gates["b"].set()
    await until(lambda: "c" in jobs.started)  # refilled as b finished, while slow still runs
    jobs.gates["c"].set()
    await until(lambda: "d" in jobs.started)
    assert "slow" not in jobs.finished
    assert jobs.most_in_flight == 2
    jobs.gates["d"].set()
    jobs.gates["slow"].set()
    await until(lambda: len(jobs.finished) == 4)
    stop.set()
    await asyncio.wait_for(runner, WAIT_S)


async def test_new_work_wakes_an_idle_pool_before_its_poll() -> None:
    jobs = Jobs([])
    stop = asyncio.Event()
    pool = Pool(4, jobs.claim, jobs.work, poll_interval_s=60)
    runner = asyncio.create_task(pool.run(stop))
    await until(lambda: len(jobs.asked) == 1)
    jobs.due.append("late")
    jobs.gates["late"] = asyncio.Event()
    jobs.gates["late"].set()
    pool.wake.set()
    await until(lambda: jobs.finished == ["late"])
    stop.set()
    await asyncio.wait_for(runner, WAIT_S)


async def test_stopping_lets_running_sends_finish() -> None:
    jobs = Jobs(["a"])
    stop = asyncio.Event()
    pool = Pool(4, jobs.claim, jobs.work, poll_interval_s=60)
    runner = asyncio.create_task(pool.run(stop))
    await until(lambda: jobs.started == ["a"])
    stop.set()
    await asyncio.sleep(0)
    assert not runner.done()
    jobs.gates["a"].set()
    await asyncio.wait_for(runner, WAIT_S)
    assert jobs.finished == ["a"]
