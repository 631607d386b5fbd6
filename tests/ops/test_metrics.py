"""Prometheus metrics: what the helpers count, what the stage exports, what the backlog gauges read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis

from shared.broker import ensure_groups, make_client
from shared.metrics import REGISTRY, count_alert, observe_fetch, refresh_backlog, render, timed, track_stage
from shared.stage import StageCounters
from shared.streams import ALERTS, ARTICLES, CLASSIFY_GROUP, DELIVER_GROUP, dead
from tests.processes import free_port


def sample(name: str, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_alerts_are_counted_by_kind_and_outcome():
    before = sample("newsalert_alerts_total", kind="tgram", outcome="sent")
    count_alert("tgram", "sent")
    count_alert("tgram", "sent")
    count_alert("mailto", "failed")
    assert sample("newsalert_alerts_total", kind="tgram", outcome="sent") == before + 2
    assert sample("newsalert_alerts_total", kind="mailto", outcome="failed") >= 1


@pytest.mark.parametrize(
    "kind", ["tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/42", "CANARY-7f3a", "x" * 40, "", "e-mail"]
)
def test_a_label_that_is_not_a_plain_word_becomes_other(kind: str):
    before = sample("newsalert_alerts_total", kind="other", outcome="failed")
    count_alert(kind, "failed")
    assert sample("newsalert_alerts_total", kind="other", outcome="failed") == before + 1
    assert kind not in render().decode() or kind == ""


def test_feed_fetches_are_counted_by_outcome():
    before = sample("newsalert_feed_fetches_total", outcome="not_modified")
    observe_fetch("not_modified")
    observe_fetch("ok")
    assert sample("newsalert_feed_fetches_total", outcome="not_modified") == before + 1


async def test_handler_latency_is_observed_even_when_the_handler_fails():
    async def slow() -> str:
        await asyncio.sleep(0.02)
        return "done"

    async def broken() -> str:
        raise ValueError("bad article")

    assert await timed("latency-probe", slow()) == "done"
    with pytest.raises(ValueError, match="bad article"):
        await timed("latency-probe", broken())
    assert sample("newsalert_handler_seconds_count", stage="latency-probe") == 2
    assert sample("newsalert_handler_seconds_sum", stage="latency-probe") >= 0.02
    assert sample("newsalert_handler_seconds_bucket", stage="latency-probe", le="0.001") <= 1


@dataclass
class _Stage:
    name: str


@dataclass(eq=False)
class _Runner:
    stage: _Stage
    counters: StageCounters = field(default_factory=StageCounters)


def test_stage_counters_of_every_live_runner_are_summed():
    first, second = _Runner(_Stage("sum-probe")), _Runner(_Stage("sum-probe"))
    track_stage(first)
    track_stage(second)
    first.counters.handled, first.counters.published, first.counters.dead = 3, 3, 1
    second.counters.handled, second.counters.skipped = 2, 4
    assert sample("newsalert_stage_entries_total", stage="sum-probe", outcome="handled") == 5
    assert sample("newsalert_stage_entries_total", stage="sum-probe", outcome="skipped") == 4
    assert sample("newsalert_stage_entries_total", stage="sum-probe", outcome="dead") == 1
    assert sample("newsalert_stage_published_total", stage="sum-probe") == 3
    del first, second
    assert sample("newsalert_stage_entries_total", stage="sum-probe", outcome="handled") == 0


async def test_backlog_gauges_read_pending_lag_and_dead_letters(redis: aioredis.Redis):
    await ensure_groups(redis, [(ARTICLES, CLASSIFY_GROUP), (ALERTS, DELIVER_GROUP)])
    for number in range(5):
        await redis.xadd(ARTICLES, {b"n": str(number).encode()})
    await redis.xreadgroup(CLASSIFY_GROUP, "probe", {ARTICLES: ">"}, count=2)
    await redis.xadd(dead(ARTICLES), {b"reason": b"invalid Article"})
    await refresh_backlog(redis)
    assert sample("newsalert_redis_up") == 1
    assert sample("newsalert_stream_length", stream=ARTICLES) == 5
    assert sample("newsalert_stream_pending", stream=ARTICLES, group=CLASSIFY_GROUP) == 2
    assert sample("newsalert_stream_lag", stream=ARTICLES, group=CLASSIFY_GROUP) == 3
    assert sample("newsalert_dead_letters", stream=ARTICLES) == 1
    assert sample("newsalert_stream_pending", stream=ALERTS, group=DELIVER_GROUP) == 0


async def test_an_unreachable_redis_is_reported_and_the_last_values_kept(redis: aioredis.Redis):
    await redis.xadd(ARTICLES, {b"n": b"1"})
    await refresh_backlog(redis)
    gone = make_client(f"redis://127.0.0.1:{free_port()}")
    try:
        await refresh_backlog(gone)
    finally:
        await gone.aclose()
    assert sample("newsalert_redis_up") == 0
    assert sample("newsalert_stream_length", stream=ARTICLES) == 1


def test_the_exposition_parses_as_prometheus_text():
    from prometheus_client.parser import text_string_to_metric_families

    families: Sequence[str] = [family.name for family in text_string_to_metric_families(render().decode())]
    for name in (
        "newsalert_handler_seconds",
        "newsalert_stream_pending",
        "newsalert_stream_lag",
        "newsalert_dead_letters",
        "newsalert_alerts",
        "newsalert_feed_fetches",
        "newsalert_stage_entries",
        "newsalert_stage_published",
    ):
        assert name in families, name
