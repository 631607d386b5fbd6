"""Service lifecycle on real processes: evicting Redis refused, Redis awaited, group loss exits 3, SIGTERM is clean."""

from __future__ import annotations

import random

import pytest

from shared.streams import ARTICLES
from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.system import System
from tests.processes import newsalert
from tests.waiting import wait_until

pytestmark = pytest.mark.faults

EXIT_USAGE = 2
EXIT_GROUP_LOST = 3


async def test_service_refuses_a_redis_that_may_evict_queue_keys(system: System):
    await system.client.config_set("maxmemory-policy", "allkeys-lru")
    result = newsalert("classify", env=system.env, timeout=60)
    assert result.returncode == EXIT_USAGE
    assert "maxmemory-policy is 'allkeys-lru'" in result.stderr
    assert "set maxmemory-policy noeviction" in result.stderr
    assert not await system.client.exists(ARTICLES)  # refused before creating anything


async def test_service_waits_for_redis_at_start_then_consumes(system: System, rng: random.Random):
    system.kill_valkey()
    classify = system.start("classify")
    await wait_until(lambda: _logged(classify.log(), "waiting for Redis"), timeout_s=30, what="classify to wait")
    system.start_valkey()
    system.start("notify")
    await system.running("classify")
    batch = records(5, rng.randrange(1_000))
    await system.publish(batch)
    await system.settle(article_ids(batch), {})
    await assert_oracle(system, article_ids(batch), {})


async def test_service_exits_3_when_redis_lost_its_consumer_group(system: System):
    classify = system.start("classify")
    await system.running("classify")
    await system.client.flushall()  # a Redis restarted without its data
    assert classify.process is not None
    code = await _exit_code(classify.process, timeout_s=30)
    assert code == EXIT_GROUP_LOST, classify.log()
    assert "consumer group classify on newsalert:articles is gone" in classify.log()


async def test_sigterm_mid_stream_stops_cleanly_and_a_restart_finishes_the_work(system: System, rng: random.Random):
    batch = records(40, rng.randrange(1_000))
    classify = system.start("classify")
    system.start("notify")
    await system.running("classify")
    feeding = system.background(system.feed(batch, chunks=2))
    point = rng.randrange(2, 30)

    async def reached() -> bool:
        return await system.handled(ARTICLES) >= point

    await wait_until(reached, timeout_s=60, what=f"{point} handled articles")
    assert classify.stop(timeout=30) == 0, classify.log()
    assert "classify stopped: handled=" in classify.log()
    system.restart("classify")
    await feeding
    await system.settle(article_ids(batch), {})
    await assert_oracle(system, article_ids(batch), {})


async def _logged(log: str, text: str) -> bool:
    return text in log


async def _exit_code(process: object, timeout_s: float) -> int | None:
    import subprocess

    assert isinstance(process, subprocess.Popen)

    async def ended() -> bool:
        return process.poll() is not None

    await wait_until(ended, timeout_s=timeout_s, what="the process to exit")
    return process.returncode
