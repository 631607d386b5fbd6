"""Fixtures of the fault suite: a whole system on its own Valkey, and logged seeds."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.system import System

logger = logging.getLogger(__name__)

SEEDS = [int(s) for s in os.environ.get("NEWSALERT_FAULT_SEEDS", "11").split(",")]
"""Seeds choosing the fault points; set NEWSALERT_FAULT_SEEDS to replay a failing run."""


@pytest.fixture(params=SEEDS, ids=lambda s: f"seed{s}")
def rng(request: pytest.FixtureRequest) -> random.Random:
    """The seeded randomness of one run; the seed is in the test id and the log."""
    seed = int(request.param)
    logger.warning("fault seed %d (replay with NEWSALERT_FAULT_SEEDS=%d)", seed, seed)
    return random.Random(seed)


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    """A Valkey of the test's own (AOF on), ready for service processes."""
    sys_ = System(tmp_path)
    sys_.start_valkey()
    yield sys_
    await sys_.close()
