"""Timing rules, table-tested with fixed instants: freshness, quiet hours, digests, backoff, budgets."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notify.delivery import timing
from tests.delivery.factory import NOW, article

NIAMEY = ZoneInfo("Africa/Niamey")  # UTC+1, no DST
PARIS = ZoneInfo("Europe/Paris")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age_h", "stale"),
    [(1, False), (71.9, False), (72.1, True), (24 * 365, True), (-2, False)],
)
def test_freshness(age_h: float, stale: bool) -> None:
    art = article(published=NOW - timedelta(hours=age_h))
    assert timing.is_stale(art, NOW, timedelta(hours=72)) is stale


QUIET = (time(22, 0), time(7, 0))


@pytest.mark.parametrize(
    ("now", "quiet", "until"),
    [
        (utc(27, 20, 59), QUIET, None),  # 21:59 in Niamey
        (utc(27, 21, 0), QUIET, utc(28, 6)),  # 22:00 local: quiet until 07:00 local tomorrow
        (utc(27, 3, 0), QUIET, utc(27, 6)),  # 04:00 local: until 07:00 local today
        (utc(27, 6, 0), QUIET, None),  # 07:00 local: over
        (utc(27, 12, 0), (time(12, 0), time(14, 0)), utc(27, 13)),  # 13:00 local, same-day window
        (utc(27, 12, 0), (time(9, 0), time(9, 0)), None),  # empty window
        (utc(27, 12, 0), None, None),
    ],
)
def test_quiet_until(now: datetime, quiet: tuple[time, time] | None, until: datetime | None) -> None:
    assert timing.quiet_until(now, quiet, NIAMEY) == until


@pytest.mark.parametrize(
    ("now", "every", "at", "zone", "expected"),
    [
        (utc(27, 9, 30), "hourly", time(8, 0), NIAMEY, utc(27, 10)),
        (utc(27, 10, 0), "hourly", time(8, 15), NIAMEY, utc(27, 10, 15)),
        (utc(27, 6, 0), "daily", time(8, 0), NIAMEY, utc(27, 7)),
        (utc(27, 7, 0), "daily", time(8, 0), NIAMEY, utc(28, 7)),  # exactly at: next day
        (datetime(2026, 3, 28, 12, tzinfo=UTC), "daily", time(8, 0), PARIS, datetime(2026, 3, 29, 6, tzinfo=UTC)),
    ],
)
def test_next_digest(now: datetime, every: str, at: time, zone: ZoneInfo, expected: datetime) -> None:
    assert timing.next_digest(now, every, at, zone) == expected  # type: ignore[arg-type]


def test_release_time_combines_digest_and_quiet_hours() -> None:
    kwargs = {"every": "daily", "at": time(23, 0), "zone": NIAMEY, "quiet": QUIET}
    assert timing.release_time(utc(27, 12), delivery="instant", **kwargs) is None  # type: ignore[arg-type]
    assert timing.release_time(utc(27, 22), delivery="instant", **kwargs) == utc(28, 6)  # type: ignore[arg-type]
    # the 23:00 digest falls in quiet hours: it waits for 07:00
    assert timing.release_time(utc(27, 12), delivery="digest", **kwargs) == utc(28, 6)  # type: ignore[arg-type]


POLICY = timing.RetryPolicy(base_s=5, cap_s=60, max_attempts=5, max_age_s=600)


@pytest.mark.parametrize(
    ("attempts", "elapsed_s", "retry_after", "rng", "expected"),
    [
        (1, 0, None, 0.0, 2.5),  # half of 5 s
        (1, 0, None, 1.0, 5.0),
        (3, 0, None, 0.0, 10.0),  # 20 s ceiling
        (6, 0, None, 0.0, None),  # out of attempts
        (4, 0, None, 1.0, 40.0),
        (4, 590, None, 1.0, None),  # out of time
        (2, 0, 7.0, 0.0, 7.0),  # the peer's retry-after wins
        (2, 0, 7.0, 1.0, 8.0),
    ],
)
def test_retry_delay(
    attempts: int, elapsed_s: float, retry_after: float | None, rng: float, expected: float | None
) -> None:
    first = NOW - timedelta(seconds=elapsed_s)
    assert timing.retry_delay_s(attempts, first, NOW, retry_after, policy=POLICY, rng=lambda: rng) == expected


@pytest.mark.parametrize(
    ("sent", "now", "wait"),
    [
        ([], 100.0, 0.0),
        ([99.5], 100.0, 0.5),  # one per second
        ([98.9], 100.0, 0.0),
        ([float(40 + 2 * i) for i in range(20)], 100.0, 0.0),  # 20 in the last minute, oldest at 40: 60 s passed
        ([float(50 + 2 * i) for i in range(20)], 100.0, 10.0),  # 20 in the last minute: wait for the oldest to age
    ],
)
def test_budget_wait(sent: list[float], now: float, wait: float) -> None:
    assert timing.budget_wait_s(sent, now, timing.Budget(per_second=1, per_minute=20)) == pytest.approx(wait)
