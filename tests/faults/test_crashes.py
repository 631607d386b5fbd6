"""kill -9 of the publisher, classify and notify at seeded points mid-stream, then restart: the oracle holds."""

from __future__ import annotations

import logging
import random
import re

import pytest

from shared.streams import ARTICLES, TAGGED
from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.system import System
from tests.waiting import wait_until

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

ARTICLE_COUNT = 60


async def crash_at_points(system: System, name: str, stream: str, points: list[int]) -> None:
    """Each time the group of ``stream`` has handled ``point`` entries, SIGKILL ``name`` and restart it."""
    for point in points:

        async def reached(point: int = point) -> bool:
            return await system.handled(stream) >= point

        await wait_until(reached, timeout_s=60, what=f"{name} to handle {point} entries of {stream}")
        logger.warning("kill -9 %s after %d entries of %s", name, await system.handled(stream), stream)
        system.kill(name)
        system.restart(name)
        await system.running(name)


@pytest.mark.parametrize(("victim", "stream"), [("classify", ARTICLES), ("notify", TAGGED)])
async def test_service_killed_mid_stream_loses_and_duplicates_nothing(
    system: System, rng: random.Random, victim: str, stream: str
):
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    points = sorted(rng.sample(range(3, ARTICLE_COUNT - 5), 2))
    system.start("classify")
    system.start("notify")
    feeding = system.background(system.feed(batch, chunks=3))
    await crash_at_points(system, victim, stream, points)
    await feeding
    await system.settle(article_ids(batch), {})
    await assert_oracle(system, article_ids(batch), {})


async def test_publisher_killed_mid_stream_then_rerun_publishes_each_article_once(system: System, rng: random.Random):
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    point = rng.randrange(1, ARTICLE_COUNT - 1)
    system.start("classify")
    system.start("notify")
    publisher = await system.publisher(batch)

    async def reached() -> bool:
        return await system.articles_published() >= point or publisher.returncode is not None

    await wait_until(reached, timeout_s=30, what=f"{point} articles published")
    if publisher.returncode is None:
        publisher.kill()
    await publisher.communicate()
    before = await system.articles_published()
    summary = await system.publish(batch)
    counts = dict(re.findall(r"(\d+) (new|duplicate)", summary)[i][::-1] for i in range(2))
    assert int(counts["new"]) == ARTICLE_COUNT - before, summary
    assert int(counts["duplicate"]) == before, summary
    await system.settle(article_ids(batch), {})
    await assert_oracle(system, article_ids(batch), {})
