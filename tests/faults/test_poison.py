"""Poison on every stream (foreign format, missing fields, unknown schema version, 10 MB): dead-lettered once."""

from __future__ import annotations

import base64
import random

import pytest

from shared.models import DeadLetter
from shared.streams import STAGES, dead
from tests.faults import poison
from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.system import System, body

pytestmark = pytest.mark.faults


async def test_poison_on_every_stream_is_dead_lettered_with_a_reason_and_the_rest_flows(
    system: System, rng: random.Random
):
    batch = records(30, rng.randrange(1_000))
    system.start("classify")
    system.start("notify")
    await system.running("classify")
    await system.running("notify")
    injected = {}
    half = rng.randrange(5, 25)
    await system.publish(batch[:half])
    for stream, _ in STAGES:
        injected[stream] = await poison.inject(system.client, stream)
    await system.publish(batch[half:])
    await system.settle(article_ids(batch), injected)
    await assert_oracle(system, article_ids(batch), injected)
    for stream, _ in STAGES:
        letters = [DeadLetter.model_validate_json(body(f)) for _, f in await system.client.xrange(dead(stream))]
        reasons = sorted(letter.reason for letter in letters)
        assert sum("no __data__ field" in r for r in reasons) == 1, reasons
        assert sum("schema_version" in r for r in reasons) == 1, reasons
        assert sum("cut to" in r for r in reasons) == 1, reasons
        assert all(letter.deliveries == 1 for letter in letters)
        foreign = next(letter for letter in letters if "no __data__" in letter.reason)
        assert b"not our format" in base64.b64decode(foreign.payload_b64)
    for name in ("classify", "notify"):
        assert system.processes[name].process is not None
        assert system.processes[name].process.poll() is None
