"""Backtests over the archive: matches with evidence, alerts per day after story de-duplication."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis.asyncio as aioredis

from services.notify.rules.archive import ARCHIVE, Archive
from services.notify.rules.backtest import backtest, backtest_archive, parse_period
from services.notify.rules.facts import Affiliations
from services.notify.rules.query import Compiler
from shared.errors import InputError
from shared.models import utc_now
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey, locusts_in_chad


@pytest.mark.parametrize(("text", "hours"), [("30m", 0.5), ("12h", 12), ("7d", 168), ("2W", 336)])
def test_periods(text: str, hours: float) -> None:
    assert parse_period(text) == timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "7", "d7", "seven days", "-1d"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="period"):
        parse_period(text)


def test_alerts_are_counted_once_per_story_on_its_first_day(vocabulary: Vocabulary, compiler: Compiler) -> None:
    day = utc_now().replace(hour=9)
    articles = [
        lavrov_in_niamey(vocabulary, story="s1", when=day - timedelta(days=1)),
        lavrov_in_niamey(vocabulary, story="s1", when=day),  # another outlet, same story
        lavrov_in_niamey(vocabulary, story="s2", when=day),
        locusts_in_chad(vocabulary, when=day),
    ]
    result = backtest(compiler.compile("Russia summit"), articles, Affiliations(vocabulary))
    assert result.scanned == 4
    assert result.matched == 3
    assert [h.alerted for h in result.hits] == [True, False, True]
    assert result.alerts_per_day == {(day - timedelta(days=1)).date(): 1, day.date(): 1}
    assert result.alerts == 2
    assert all(any(ev.ref == "russia" and ev.held for ev in h.why) for h in result.hits)


async def test_archive_keeps_articles_for_backtests_and_trims_old_ones(
    redis: aioredis.Redis, vocabulary: Vocabulary, compiler: Compiler
) -> None:
    archive = Archive(redis, retention_days=30)
    old_ms = int((utc_now() - timedelta(days=40)).timestamp() * 1000)
    await redis.xadd(ARCHIVE, {"id": "old", "z": b"x"}, id=f"{old_ms}-0")
    await redis.xadd(ARCHIVE, {"id": "junk", "z": b"not zlib"})
    await archive.add(lavrov_in_niamey(vocabulary))
    await archive.add(locusts_in_chad(vocabulary))
    assert await archive.count() == 3  # the 40-day-old entry is gone; the junk one is skipped on read
    result = await backtest_archive(compiler.compile("Chad"), archive, Affiliations(vocabulary), timedelta(days=7))
    assert result.scanned == 2
    assert [h.tagged.article.title for h in result.hits] == ["Locust swarms threaten harvests in Chad"]
