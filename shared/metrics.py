"""Prometheus metrics of one process: stage throughput and latency, backlog, alerts, feed fetches.

Metrics live in a registry of their own (not prometheus-client's global one) so a test can run
several stages in one process and read exactly what this module exports. Label values that
callers pass are checked against a narrow pattern: a metric never carries a URL or a token.
"""

from __future__ import annotations

import logging
import re
import time
import weakref
from bisect import bisect_left
from collections.abc import Awaitable, Iterator
from itertools import accumulate
from typing import Protocol, TypeVar

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from shared.backlog import pipeline_status

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
"""Every metric of newsalert; ``/metrics`` renders this registry."""

LATENCY_BUCKETS_S = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
OTHER = "other"

STREAM_LENGTH = Gauge("newsalert_stream_length", "Entries in a stream.", ["stream"], registry=REGISTRY)
STREAM_PENDING = Gauge(
    "newsalert_stream_pending",
    "Entries delivered to a group and not acknowledged.",
    ["stream", "group"],
    registry=REGISTRY,
)
STREAM_LAG = Gauge(
    "newsalert_stream_lag",
    "Entries not yet delivered to a group (-1: Redis cannot tell).",
    ["stream", "group"],
    registry=REGISTRY,
)
DEAD_LETTERS = Gauge(
    "newsalert_dead_letters", "Entries in a stream's dead-letter stream.", ["stream"], registry=REGISTRY
)
REDIS_UP = Gauge("newsalert_redis_up", "1 when the last backlog scrape reached Redis.", registry=REGISTRY)
ALERTS = Counter(
    "newsalert_alerts", "Alert deliveries by channel kind and outcome.", ["kind", "outcome"], registry=REGISTRY
)
FEED_FETCHES = Counter("newsalert_feed_fetches", "Feed fetches by outcome.", ["outcome"], registry=REGISTRY)


def label(value: str) -> str:
    """Return ``value`` when it is a plain lowercase word, else ``"other"`` (never a URL or a secret)."""
    return value if _LABEL.match(value) else OTHER


T = TypeVar("T")


class Latency:
    """The handler latencies of one stage, counted in plain Python and exported as a histogram.

    A prometheus-client Histogram takes two locks and loops over its buckets in Python for
    every observation (about 9,000 instructions); a stage observes every entry it handles.
    """

    __slots__ = ("counts", "total_s")

    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BUCKETS_S) + 1)
        self.total_s = 0.0

    def observe(self, seconds: float) -> None:
        """Count one handling that took ``seconds``."""
        # the first bucket whose bound is >= seconds (Prometheus buckets are "less or equal"); past the last, +Inf
        self.counts[bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self.total_s += seconds


_latencies: dict[str, Latency] = {}


def handler_seconds(stage: str) -> Latency:
    """The handler latencies of ``stage``, exported as ``newsalert_handler_seconds{stage=...}``."""
    return _latencies.setdefault(stage, Latency())


async def timed(stage: str, call: Awaitable[T]) -> T:
    """Await one handler call, recording its duration (failures included) under ``stage``."""
    start = time.perf_counter()
    try:
        return await call
    finally:
        handler_seconds(stage).observe(time.perf_counter() - start)


class _LatencyCollector(Collector):
    """Exports every stage's handler latencies as one histogram, as prometheus-client's own would."""

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(
            "newsalert_handler_seconds", "Time a stage's core took for one entry.", labels=["stage"]
        )
        bounds = [*map(repr, LATENCY_BUCKETS_S), "+Inf"]  # the labels prometheus-client writes for these bounds
        for stage, latency in sorted(_latencies.items()):
            cumulative = list(accumulate(latency.counts))
            family.add_metric([stage], list(zip(bounds, cumulative, strict=True)), latency.total_s)
        yield family


REGISTRY.register(_LatencyCollector())


def count_alert(kind: str, outcome: str) -> None:
    """Count one delivery attempt: ``kind`` is the channel kind (email, tgram, ...), ``outcome`` e.g. sent."""
    ALERTS.labels(kind=label(kind), outcome=label(outcome)).inc()


def observe_fetch(outcome: str) -> None:
    """Count one feed fetch by outcome (ok, not_modified, error, refused, ...)."""
    FEED_FETCHES.labels(outcome=label(outcome)).inc()


class _Counted(Protocol):
    @property
    def handled(self) -> int: ...
    @property
    def skipped(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def dead(self) -> int: ...
    @property
    def published(self) -> int: ...


class _Stage(Protocol):
    @property
    def name(self) -> str: ...


class Tracked(Protocol):
    """What a stage runner exposes to metrics: its stage and its counters."""

    @property
    def stage(self) -> _Stage: ...

    @property
    def counters(self) -> _Counted: ...


_runners: weakref.WeakSet[Tracked] = weakref.WeakSet()


def track_stage(runner: Tracked) -> None:
    """Export a stage runner's counters as ``newsalert_stage_*`` metrics for as long as it lives."""
    _runners.add(runner)


class _StageCollector(Collector):
    """Reads the counters of live stage runners at scrape time (one source of truth)."""

    def collect(self) -> Iterator[Metric]:
        entries = CounterMetricFamily(
            "newsalert_stage_entries", "Entries a stage took in, by outcome.", labels=["stage", "outcome"]
        )
        published = CounterMetricFamily("newsalert_stage_published", "Outputs a stage published.", labels=["stage"])
        totals: dict[tuple[str, str], int] = {}
        outs: dict[str, int] = {}
        for runner in list(_runners):
            name, c = runner.stage.name, runner.counters
            for outcome in ("handled", "skipped", "failed", "dead"):
                totals[name, outcome] = totals.get((name, outcome), 0) + getattr(c, outcome)
            outs[name] = outs.get(name, 0) + c.published
        for (name, outcome), value in sorted(totals.items()):
            entries.add_metric([name, outcome], value)
        for name, value in sorted(outs.items()):
            published.add_metric([name], value)
        yield entries
        yield published


REGISTRY.register(_StageCollector())


async def refresh_backlog(client: aioredis.Redis) -> None:
    """Update the stream gauges from Redis; on a Redis error keep the last values and report it down."""
    try:
        rows = await pipeline_status(client)
    except (RedisError, OSError) as exc:
        REDIS_UP.set(0)
        logger.warning("metrics: cannot read the backlog from Redis: %s", exc.__class__.__name__)
        return
    REDIS_UP.set(1)
    for row in rows:
        STREAM_LENGTH.labels(stream=row.stream).set(row.length)
        STREAM_PENDING.labels(stream=row.stream, group=row.group).set(row.pending)
        STREAM_LAG.labels(stream=row.stream, group=row.group).set(-1 if row.lag is None else row.lag)
        DEAD_LETTERS.labels(stream=row.stream).set(row.dead)


def render() -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(REGISTRY)
