"""Valkey killed (SIGKILL) and restarted on its append-only file mid-stream: services carry on, the oracle holds."""

from __future__ import annotations

import logging
import random

import pytest
from redis.exceptions import ConnectionError

from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.system import System
from tests.waiting import wait_until

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

ARTICLE_COUNT = 60


async def test_valkey_killed_and_restarted_mid_stream_loses_and_duplicates_nothing(system: System, rng: random.Random):
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    system.start("classify")
    system.start("notify")
    await system.running("classify")
    await system.running("notify")
    feeding = system.background(system.feed(batch, chunks=3, attempts=5))
    for point in sorted(rng.sample(range(3, ARTICLE_COUNT - 5), 2)):

        async def reached(point: int = point) -> bool:
            try:
                return sum((await system.tagged_ids()).values()) >= point
            except ConnectionError:
                return False  # Valkey is restarting

        await wait_until(reached, timeout_s=60, what=f"{point} tagged articles")
        logger.warning("kill -9 valkey after %d tagged articles", point)
        system.kill_valkey()
        system.start_valkey()
    await feeding
    await system.settle(article_ids(batch), {}, timeout_s=90)
    await assert_oracle(system, article_ids(batch), {})
    for name in ("classify", "notify"):
        assert system.processes[name].process is not None
        assert system.processes[name].process.poll() is None, f"{name} died:\n{system.logs()}"
