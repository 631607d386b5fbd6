"""Pure pieces of the pages: masked targets, highlighted evidence, the alerts-per-day chart, counts per rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.notify.web.activity import Mark, counts
from services.notify.web.chart import MAX_DAYS, per_day
from services.notify.web.highlight import pieces
from services.notify.web.masking import mask_target
from shared.models import Mention


@pytest.mark.parametrize(
    ("target", "shown", "hidden"),
    [
        ("mailto:aminata.traore@example.org", "mailto:a…@example.org", "aminata"),
        ("tgram://123456789:AAHsecretTOKEN/-1001234567", "tgram://… #", "AAHsecret"),
        ("json://hooks.example.org/secret-path?token=abc", "json://… #", "secret"),
        ("mailto:", "mailto:… #", "@"),
    ],
)
def test_a_masked_target_shows_its_kind_never_its_secret(target: str, shown: str, hidden: str) -> None:
    masked = mask_target(target)
    assert masked.startswith(shown)
    assert hidden not in masked


def test_two_chat_targets_are_told_apart() -> None:
    assert mask_target("tgram://1:A/100") != mask_target("tgram://1:A/200")


def _m(text: str, start: int, end: int) -> Mention:
    return Mention(field="text", start=start, end=end, text=text[start:end])


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("La Russie et le Niger", [(3, 9)], [("La ", False), ("Russie", True), (" et le Niger", False)]),
        ("Moscou", [(0, 6)], [("Moscou", True)]),
        ("AES summit", [(0, 3), (4, 10)], [("AES", True), (" ", False), ("summit", True)]),
        ("AES summit", [(0, 10), (4, 10)], [("AES summit", True)]),
        ("short", [(2, 50)], [("short", False)]),
        ("", [], []),
    ],
)
def test_pieces_mark_the_mentions(text: str, spans: list[tuple[int, int]], expected: list[tuple[str, bool]]) -> None:
    mentions = [Mention(field="text", start=s, end=e, text="x") for s, e in spans]
    assert pieces(text, mentions) == expected


def test_chart_has_one_bar_per_day_including_quiet_days() -> None:
    days = [date(2026, 11, 20), date(2026, 11, 20), date(2026, 11, 23)]
    chart = per_day(days)
    assert [(b.day.day, b.count) for b in chart.bars] == [(20, 2), (21, 0), (22, 0), (23, 1)]
    tallest = chart.bars[0]
    assert chart.peak == 2
    assert tallest.y + tallest.height == pytest.approx(chart.bars[3].y + chart.bars[3].height)
    assert chart.bars[3].height == pytest.approx(tallest.height / 2)
    assert all(b.x + b.width <= chart.width for b in chart.bars)


def test_chart_is_empty_without_alerts_and_capped_in_length() -> None:
    assert per_day([]).bars == ()
    start = date(2026, 1, 1)
    chart = per_day([start + timedelta(days=i) for i in range(90)])
    assert len(chart.bars) == MAX_DAYS
    assert chart.bars[-1].day == start + timedelta(days=89)


def _delivery(sub: str, story: str, status: str, age: timedelta, now: datetime) -> Mark:
    return Mark(sub, story, status, now - age)


def test_counts_are_stories_per_rule_in_24_hours_and_7_days() -> None:
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    deliveries = [
        _delivery("r1", "s1", "sent", timedelta(hours=2), now),
        _delivery("r1", "s1", "retrying", timedelta(hours=2), now),  # same story on a second channel
        _delivery("r1", "s2", "dead", timedelta(days=3), now),
        _delivery("r1", "s3", "dropped", timedelta(hours=1), now),
        _delivery("r1", "s4", "sent", timedelta(days=8), now),
        _delivery("r2", "s5", "queued", timedelta(hours=23), now),
    ]
    assert counts(deliveries, now) == {"r1": (1, 2), "r2": (1, 1)}
