"""Handler latencies: counted in plain Python, exported exactly as prometheus-client's Histogram exports them."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram

from shared.metrics import LATENCY_BUCKETS_S, REGISTRY, handler_seconds

Sample = tuple[str, tuple[tuple[str, str], ...], float]


def samples(registry: CollectorRegistry, stage: str) -> set[Sample]:
    """The handler latency samples of ``stage`` in ``registry``, creation time left out."""
    return {
        (s.name, tuple(sorted(s.labels.items())), s.value)
        for family in registry.collect()
        if family.name == "newsalert_handler_seconds"
        for s in family.samples
        if s.labels.get("stage") == stage and not s.name.endswith("_created")
    }


@pytest.mark.parametrize(
    "observed_s",
    [
        [0.0005],
        [0.001],  # on a bound: counted in that bucket, as Prometheus buckets are "less or equal"
        [0.0011, 0.3, 0.3, 2.5],
        [30.0, 30.0001, 1e-9, 0.0],
        [0.004, 0.012, 0.07, 0.7, 4.0, 9.0, 1_000.0],
    ],
)
def test_latencies_export_the_samples_of_a_prometheus_histogram(observed_s: list[float]) -> None:
    stage = f"latency_{abs(hash(tuple(observed_s)))}"
    reference = CollectorRegistry()
    histogram = Histogram("newsalert_handler_seconds", "", ["stage"], buckets=LATENCY_BUCKETS_S, registry=reference)
    for seconds in observed_s:
        histogram.labels(stage=stage).observe(seconds)
        handler_seconds(stage).observe(seconds)
    assert samples(REGISTRY, stage) == samples(reference, stage)
    assert len(samples(REGISTRY, stage)) == len(LATENCY_BUCKETS_S) + 3  # every bucket and +Inf, count, sum


def test_one_stage_name_shares_one_histogram() -> None:
    assert handler_seconds("latency_shared") is handler_seconds("latency_shared")
    assert handler_seconds("latency_shared") is not handler_seconds("latency_other")
