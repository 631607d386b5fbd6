"""The collector settings a service takes once assembled."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from shared.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_settle_heap_freezes_what_exists_and_raises_only_the_young_threshold() -> None:
    _, middle, old = gc.get_threshold()
    built_at_start = [{"alias": n} for n in range(1_000)]
    settle_heap()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)
    assert gc.get_freeze_count() >= len(built_at_start)


@pytest.mark.usefixtures("restored_collector")
def test_a_batch_of_short_lived_objects_triggers_no_collection() -> None:
    settle_heap()
    runs: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    gc.callbacks.append(count)
    try:
        for _ in range(20):
            batch = [{"mention": (n, n + 3)} for n in range(YOUNG_THRESHOLD // 4)]
            del batch
    finally:
        gc.callbacks.remove(count)
    assert runs == []
