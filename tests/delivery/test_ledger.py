"""The ledger's records on a real Valkey: what is loaded back is what Redis holds."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.notify.delivery.ledger import Keys, Ledger
from tests.delivery.factory import NOW, alert


async def test_a_claimed_alert_loads_back_equal_and_a_rewritten_payload_wins(redis: aioredis.Redis) -> None:
    keys = Keys(prefix="test:ledger")
    ledger = Ledger(redis, keys, ttl_s=3_600, recent_kept=100)
    a = alert()
    claim = await ledger.claim(a, NOW)
    assert claim.owner == a.id
    record = await ledger.load(a.id)
    assert record is not None
    assert record.alert == a
    assert record.status == "queued"
    other = alert(name="renamed rule")
    await redis.hset(keys.record(a.id), "payload", other.model_dump_json())
    reread = await Ledger(redis, keys, ttl_s=3_600, recent_kept=100).load(a.id)
    assert reread is not None
    assert reread.alert.subscription_name == "renamed rule"
    again = await ledger.load(a.id)  # the ledger that parsed the first payload must not hand it back
    assert again is not None
    assert again.alert.subscription_name == "renamed rule"
