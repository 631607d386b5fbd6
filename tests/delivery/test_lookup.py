"""Delivery's subscription lookup on a real Valkey: always the stored version, parsed once per version."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from services.notify.delivery.coalescer import Coalescer
from services.notify.delivery.lookup import SubscriptionLookup
from services.notify.rules.store import SUBSCRIPTIONS, SubscriptionStore
from services.notify.rules.subscriptions import Subscription


def sub(sub_id: str, **fields: object) -> Subscription:
    return Subscription(id=sub_id, name=f"rule {sub_id}", query="AES", targets=("mailto:desk@example.test",), **fields)  # type: ignore[arg-type]


async def test_lookups_of_one_batch_share_a_round_trip_and_unchanged_ones_are_not_parsed_again(
    redis: aioredis.Redis,
) -> None:
    store = SubscriptionStore(redis)
    for i in range(3):
        await store.save(sub(f"s{i}"))
    rounds = Coalescer(redis)
    lookup = SubscriptionLookup(rounds)
    first = await asyncio.gather(*(lookup.get(f"s{i}") for i in range(3)), lookup.get("missing"))
    assert [s.id if s else None for s in first] == ["s0", "s1", "s2", None]
    assert rounds.round_trips == 1
    again = await lookup.get("s1")
    assert again is first[1]  # same bytes in Redis: the parsed subscription is reused


async def test_an_edit_or_a_removal_is_seen_at_the_next_lookup(redis: aioredis.Redis) -> None:
    store = SubscriptionStore(redis)
    await store.save(sub("s1"))
    lookup = SubscriptionLookup(Coalescer(redis))
    before = await lookup.get("s1")
    assert before is not None
    assert before.enabled
    await store.set_enabled("s1", False)
    after = await lookup.get("s1")
    assert after is not None
    assert not after.enabled
    await store.remove("s1")
    assert await lookup.get("s1") is None


async def test_an_unreadable_subscription_reads_as_none(redis: aioredis.Redis) -> None:
    await redis.hset(SUBSCRIPTIONS, "bad", b"{not json")
    assert await SubscriptionLookup(Coalescer(redis)).get("bad") is None
