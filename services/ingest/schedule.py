"""When a feed is polled next: its interval when healthy, exponential backoff with jitter when not."""

from __future__ import annotations

MAX_DOUBLINGS = 16


def next_delay_s(
    interval_s: float, failures: int, retry_after_s: float | None, max_backoff_s: float, jitter: float
) -> float:
    """Seconds until the next poll.

    ``jitter`` is a draw in [0, 1): after failures the backoff is spread over its upper half so
    feeds failing together (one host down) do not come back together. The delay is never shorter
    than the interval (a replica's lease lasts one interval) nor than the server's Retry-After.
    """
    if failures <= 0:
        delay = interval_s
    else:
        backoff = min(max_backoff_s, interval_s * 2 ** min(failures - 1, MAX_DOUBLINGS))
        delay = backoff * (0.5 + jitter / 2)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_backoff_s))
    return max(delay, interval_s)
