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


async def test_start_marks_a_record_to_send_as_sending_and_reads_the_channel_sends_of_the_last_minute(
    redis: aioredis.Redis,
) -> None:
    keys = Keys(prefix="test:start")
    ledger = Ledger(redis, keys, ttl_s=3_600, recent_kept=100)
    a = alert()
    await ledger.claim(a, NOW)
    sent_key = keys.sent(a.channel)
    await redis.zadd(sent_key, {"old": NOW.timestamp() - 61, "recent": NOW.timestamp() - 5})
    record, sent = await ledger.start(a.id, a.channel, NOW)
    assert record is not None
    assert record.alert == a
    assert record.status == "queued"  # as it was before the mark
    assert sent == [NOW.timestamp() - 5]
    assert await redis.zcard(sent_key) == 1  # the older send is trimmed
    again, _ = await ledger.start(a.id, a.channel, NOW)
    assert again is not None
    assert again.status == "sending"  # an interrupted send shows on the next start


async def test_start_leaves_settled_records_and_missing_ones_alone(redis: aioredis.Redis) -> None:
    keys = Keys(prefix="test:settled")
    ledger = Ledger(redis, keys, ttl_s=3_600, recent_kept=100)
    for status in ("sent", "dead", "dropped", "held"):
        a = alert(seed=status, story=status)
        await ledger.claim(a, NOW)
        await ledger.set_status([a.id], status, NOW)  # type: ignore[arg-type]
        record, sent = await ledger.start(a.id, a.channel, NOW)
        assert record is not None
        assert (record.status, sent) == (status, [])
        assert await redis.hget(keys.record(a.id), "status") == status.encode()
    missing, _ = await ledger.start("no-such-alert", "c", NOW)
    assert missing is None
    assert not await redis.exists(keys.record("no-such-alert"))


async def test_record_sent_marks_the_alerts_forgets_the_job_and_counts_the_send_in_one_step(
    redis: aioredis.Redis,
) -> None:
    keys = Keys(prefix="test:sent")
    ledger = Ledger(redis, keys, ttl_s=3_600, recent_kept=100)
    a, b = alert(seed="a", story="a"), alert(seed="b", story="b")
    for x in (a, b):
        await ledger.claim(x, NOW, queue_job=f"alert:{x.id}")
    await ledger.record_sent([a.id], NOW, job=f"alert:{a.id}", budget=(a.channel, NOW))
    record = await ledger.load(a.id)
    assert record is not None
    assert (record.status, record.updated, record.reason) == ("sent", NOW, "")
    assert await redis.zrange(keys.due, 0, -1) == [f"alert:{b.id}".encode()]
    assert [score for _, score in await redis.zrange(keys.sent(a.channel), 0, -1, withscores=True)] == [NOW.timestamp()]
    assert 0 < await redis.ttl(keys.sent(a.channel)) <= 120
    await ledger.record_sent([b.id], NOW)  # an email: no budget, and no job given
    assert await redis.hget(keys.record(b.id), "status") == b"sent"
    assert await redis.zcard(keys.due) == 1
    assert await redis.zcard(keys.sent(a.channel)) == 1
