"""When to send: freshness, quiet hours, digest times, retry backoff and per-chat budgets.

Pure functions of an injected ``now``; nothing here reads a clock or sleeps.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from shared.models import Article


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in time since the first try."""

    base_s: float = 5.0
    cap_s: float = 1_800.0
    max_attempts: int = 8
    max_age_s: float = 86_400.0


@dataclass(frozen=True)
class Budget:
    """How many messages one chat may receive per second and per minute."""

    per_second: int = 1
    per_minute: int = 20


def is_stale(article: Article, now: datetime, max_age: timedelta) -> bool:
    """Tell whether an article was published too long ago to alert anyone."""
    published = article.published or article.fetched
    return now - published > max_age


def _local(day: datetime, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), at, tzinfo=zone)


def quiet_until(now: datetime, quiet: tuple[time, time] | None, zone: ZoneInfo) -> datetime | None:
    """Return when the quiet period around ``now`` ends (in UTC), or None when it is not quiet."""
    if quiet is None or quiet[0] == quiet[1]:
        return None
    start, end = quiet
    local = now.astimezone(zone)
    t = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= t < end, local
    else:
        inside = t >= start or t < end
        end_day = local + timedelta(days=1) if t >= start else local
    return _local(end_day, end, zone).astimezone(UTC) if inside else None


def next_digest(now: datetime, every: Literal["hourly", "daily"], at: time, zone: ZoneInfo) -> datetime:
    """Return the next digest time strictly after ``now``: each hour at ``at``'s minute, or daily at ``at``."""
    local = now.astimezone(zone)
    if every == "hourly":
        candidate = local.replace(minute=at.minute, second=0, microsecond=0)
        while candidate <= local:
            candidate += timedelta(hours=1)
        return candidate.astimezone(UTC)
    candidate = _local(local, at, zone)
    if candidate <= local:
        candidate = _local(local + timedelta(days=1), at, zone)
    return candidate.astimezone(UTC)


def release_time(
    now: datetime,
    *,
    delivery: Literal["instant", "digest"],
    every: Literal["hourly", "daily"],
    at: time,
    zone: ZoneInfo,
    quiet: tuple[time, time] | None,
) -> datetime | None:
    """When a new match may go out: None for right now, else the digest or end-of-quiet time."""
    due = next_digest(now, every, at, zone) if delivery == "digest" else now
    held_until = quiet_until(due, quiet, zone)
    if held_until is not None:
        due = held_until
    return None if due <= now else due


def backoff_s(attempt: int, policy: RetryPolicy, rng: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (1-based): half fixed, half random, capped."""
    ceiling = min(policy.cap_s, policy.base_s * 2.0 ** (attempt - 1))
    return ceiling / 2 + rng() * ceiling / 2


def retry_delay_s(
    attempts: int,
    first_failure: datetime,
    now: datetime,
    retry_after_s: float | None,
    *,
    policy: RetryPolicy,
    rng: Callable[[], float] = random.random,
) -> float | None:
    """Seconds until the next try after ``attempts`` failures, or None to give up (dead letter)."""
    if attempts >= policy.max_attempts:
        return None
    delay = backoff_s(attempts, policy, rng)
    if retry_after_s is not None:
        delay = retry_after_s + rng()  # the peer said when; a little jitter spreads the herd
    if (now - first_failure).total_seconds() + delay > policy.max_age_s:
        return None
    return delay


def budget_wait_s(sent_at: Sequence[float], now: float, budget: Budget) -> float:
    """Seconds to wait before one more message fits the chat's budget (0 when it fits now)."""
    last_second = sorted(t for t in sent_at if now - 1.0 < t <= now)
    last_minute = sorted(t for t in sent_at if now - 60.0 < t <= now)
    waits = [0.0]
    if len(last_second) >= budget.per_second:
        waits.append(last_second[-budget.per_second] + 1.0 - now)
    if len(last_minute) >= budget.per_minute:
        waits.append(last_minute[-budget.per_minute] + 60.0 - now)
    return max(waits)
