"""When a feed is polled next."""

from __future__ import annotations

import pytest

from services.ingest.schedule import next_delay_s

SIX_HOURS = 6 * 3600.0


@pytest.mark.parametrize(
    ("interval", "failures", "retry_after", "jitter", "delay"),
    [
        (300, 0, None, 0.0, 300),
        (300, 0, None, 0.99, 300),
        (300, 1, None, 0.0, 300),  # half of one interval, but never under the interval
        (300, 2, None, 0.0, 300),
        (300, 3, None, 0.0, 600),
        (300, 3, None, 1.0, 1200),
        (300, 4, None, 0.5, 1800),
        (300, 30, None, 1.0, SIX_HOURS),
        (300, 0, 3600, 0.0, 3600),
        (300, 1, 30, 0.0, 300),
        (300, 1, 10 * 86_400, 0.0, SIX_HOURS),
        (30, 5, None, 0.0, 240),
    ],
)
def test_next_delay(interval: float, failures: int, retry_after: float | None, jitter: float, delay: float) -> None:
    assert next_delay_s(interval, failures, retry_after, SIX_HOURS, jitter) == pytest.approx(delay)
