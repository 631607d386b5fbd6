"""Backtests: what a query would have matched among archived articles, and how many alerts a day.

Alerts are counted after story de-duplication, as delivery sends them: one per story,
on the day its first matching article was tagged.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from services.notify.rules.archive import Archive
from services.notify.rules.facts import Affiliations, facts_of
from services.notify.rules.matcher import explain, holds
from services.notify.rules.query import Query
from shared.errors import InputError
from shared.models import TaggedArticle, TermEvidence, utc_now

MAX_HITS_KEPT = 1_000
BATCH = 200
_PERIOD = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_period(text: str) -> timedelta:
    """Read ``30m``, ``12h``, ``7d`` or ``2w``; raise InputError otherwise."""
    found = _PERIOD.match(text)
    if found is None:
        raise InputError(f"period {text!r} is not a number followed by m, h, d or w (as in 7d)")
    return int(found.group(1)) * _UNITS[found.group(2).lower()]


@dataclass(frozen=True, slots=True)
class Hit:
    """An archived article the query matched, and why; ``alerted`` when it was its story's first."""

    tagged: TaggedArticle
    why: tuple[TermEvidence, ...]
    alerted: bool


@dataclass(slots=True)
class Backtest:
    """The outcome of a backtest: hits (the first :data:`MAX_HITS_KEPT`) and alerts per day."""

    query: str
    scanned: int = 0
    matched: int = 0
    hits: list[Hit] = field(default_factory=list)
    alerts_per_day: Counter[date] = field(default_factory=Counter)

    @property
    def alerts(self) -> int:
        """How many alerts the query would have sent."""
        return sum(self.alerts_per_day.values())


class Backtester:
    """Run one query over articles in archive order, counting alerts once per story."""

    def __init__(self, query: Query, affiliations: Affiliations) -> None:
        self.query = query
        self.affiliations = affiliations
        self.result = Backtest(query.text)
        self._stories: set[str] = set()

    def feed(self, tagged: TaggedArticle) -> Hit | None:
        """Evaluate one article; return the hit when the query matched it."""
        self.result.scanned += 1
        facts = facts_of(tagged, self.affiliations)
        if not holds(self.query.root, facts):
            return None
        alerted = tagged.story not in self._stories
        if alerted:
            self._stories.add(tagged.story)
            self.result.alerts_per_day[tagged.tagged.date()] += 1
        hit = Hit(tagged, tuple(explain(self.query.root, facts)), alerted)
        self.result.matched += 1
        if len(self.result.hits) < MAX_HITS_KEPT:
            self.result.hits.append(hit)
        return hit


def backtest(query: Query, articles: Iterable[TaggedArticle], affiliations: Affiliations) -> Backtest:
    """Run ``query`` over ``articles`` (oldest first)."""
    tester = Backtester(query, affiliations)
    for tagged in articles:
        tester.feed(tagged)
    return tester.result


async def backtest_archive(query: Query, archive: Archive, affiliations: Affiliations, period: timedelta) -> Backtest:
    """Run ``query`` over the articles archived during the last ``period``.

    Articles are evaluated in batches on a worker thread, so a month of archive does
    not stall the event loop that also runs the notify stages.
    """
    tester = Backtester(query, affiliations)
    articles: AsyncIterable[TaggedArticle] = archive.since(utc_now() - period)
    batch: list[TaggedArticle] = []
    async for tagged in articles:
        batch.append(tagged)
        if len(batch) >= BATCH:
            await asyncio.to_thread(_feed_all, tester, batch)
            batch = []
    await asyncio.to_thread(_feed_all, tester, batch)
    return tester.result


def _feed_all(tester: Backtester, batch: list[TaggedArticle]) -> None:
    for tagged in batch:
        tester.feed(tagged)
