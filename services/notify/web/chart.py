"""A small bar chart of alerts per day, as geometry an SVG template draws."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

MAX_DAYS = 31
WIDTH = 600
HEIGHT = 120
LABEL_SPACE = 18


@dataclass(frozen=True, slots=True)
class Bar:
    """One day: its rectangle and its count."""

    day: date
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Chart:
    """Bars of consecutive days, the tallest count, and the drawing size."""

    bars: tuple[Bar, ...]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT


def per_day(days: Iterable[date], last: date | None = None) -> Chart:
    """Count events per day over consecutive days (at most :data:`MAX_DAYS`, ending on the latest one)."""
    counts = Counter(days)
    if not counts:
        return Chart((), 0)
    end = last or max(counts)
    start = max(min(counts), end - timedelta(days=MAX_DAYS - 1))
    span = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    peak = max(counts[d] for d in span) or 1
    slot = WIDTH / len(span)
    usable = HEIGHT - LABEL_SPACE
    bars = []
    for i, day in enumerate(span):
        height = usable * counts[day] / peak
        bars.append(Bar(day, counts[day], i * slot + slot * 0.1, usable - height, slot * 0.8, height))
    return Chart(tuple(bars), peak)
