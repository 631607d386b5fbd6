"""notify paused (SIGSTOP) past the claim time while holding work, then resumed: a peer did it, nothing twice."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time

import pytest

from shared.streams import TAGGED
from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.system import CLAIM_IDLE_MS, System
from tests.waiting import wait_until

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

ARTICLE_COUNT = 60


async def test_paused_notify_resumed_after_its_work_was_claimed_publishes_nothing_twice(
    system: System, rng: random.Random
):
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    system.start("classify")
    paused = system.start("notify")
    system.start("notify-2")
    for name in ("classify", "notify", "notify-2"):
        await system.running(name)
    assert paused.process is not None
    pid = paused.process.pid
    feeding = system.background(system.feed(batch, chunks=3))
    point = rng.randrange(2, ARTICLE_COUNT // 2)

    async def reached() -> bool:
        return await system.handled(TAGGED) >= point

    await wait_until(reached, timeout_s=60, what=f"{point} handled tagged articles")
    held = await pause_holding_work(system, pid)
    logger.warning("SIGSTOP notify holding %d entries after %d handled", held, await system.handled(TAGGED))
    await feeding

    async def claimed_by_peer() -> bool:
        return await system.consumer_pending(TAGGED, pid) == 0

    await wait_until(claimed_by_peer, timeout_s=CLAIM_IDLE_MS / 1000 * 5, what="the peer to claim the paused work")
    await system.settle(article_ids(batch), {})
    system.resume("notify")
    await wait_until(lambda: _alive_and_reading(system, pid), timeout_s=30, what="the resumed notify to read again")
    await system.settle(article_ids(batch), {})
    await assert_oracle(system, article_ids(batch), {})
    assert paused.stop() == 0, paused.log()
    assert system.processes["notify-2"].stop() == 0
    handled = [_handled(system.processes[name].log()) for name in ("notify", "notify-2")]
    assert sum(handled) == ARTICLE_COUNT, f"match stage wins per process: {handled}"


def _handled(log: str) -> int:
    """The match stage's count of entries it committed itself, from the shutdown summary."""
    found = re.findall(r"match stopped: handled=(\d+)", log)
    assert len(found) == 1, log[-3000:]
    return int(found[0])


async def _alive_and_reading(system: System, pid: int) -> bool:
    """The resumed process's consumers show activity again (its idle time drops under a second)."""
    for info in await system.client.xinfo_consumers(TAGGED, "notify"):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name.endswith(f"-{pid}") and int(info["idle"]) < 1_000:
            return True
    return False


async def pause_holding_work(system: System, pid: int, timeout_s: float = 60) -> int:
    """SIGSTOP notify at a moment it holds read-but-unacknowledged entries; return how many it holds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await system.consumer_pending(TAGGED, pid) > 0:
            system.pause("notify")
            held = await system.consumer_pending(TAGGED, pid)
            if held:
                return held
            system.resume("notify")  # it finished the batch in between: try the next one
        await asyncio.sleep(0.002)  # polling the observable state, not waiting for time to pass
    pytest.fail(f"notify never held entries within {timeout_s} s")
