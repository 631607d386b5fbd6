"""Subscriptions from the YAML config: upserted by name, bad entries reported with name and field."""

from __future__ import annotations

import redis.asyncio as aioredis
import yaml

from services.notify.rules.admission import admission
from services.notify.rules.declarative import upsert_subscriptions
from services.notify.rules.query import Compiler
from services.notify.rules.store import SubscriptionStore

CONFIG = """
subscriptions:
  - {name: aes-russia, query: "AES + Russia summit", notify: ["mailto:desk@example.org", "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"]}
  - {name: broken-query, query: "AES AND", notify: ["mailto:desk@example.org"]}
  - {name: no-target, query: "Niger"}
  - {name: bad-zone, query: "Niger", notify: "mailto:desk@example.org", timezone: "Mars/Olympus"}
  - {name: typo, query: "Niger", notify: "mailto:desk@example.org", delivry: digest}
  - just a string
  - {name: sahel-digest, query: "Mali OR Niger", notify: "mailto:desk@example.org", delivery: digest}
"""


async def test_good_entries_load_and_each_bad_one_is_named_with_its_field(
    redis: aioredis.Redis, compiler: Compiler
) -> None:
    store = SubscriptionStore(redis)  # no check of its own: the loader checks anyway
    errors = await upsert_subscriptions(store, yaml.safe_load(CONFIG)["subscriptions"], compiler.vocabulary)
    assert len(errors) == 5
    assert errors[0].startswith("subscription 'broken-query': field query: column 5:")
    assert errors[1] == "subscription 'no-target': field notify: missing"
    assert errors[2].startswith("subscription 'bad-zone': field timezone:")
    assert errors[3].startswith("subscription 'typo': field delivry: unknown")
    assert errors[4].startswith("subscription #6: entry:")
    assert all("AAHdq" not in e for e in errors)
    saved = {s.name: s for s in await store.all()}
    assert set(saved) == {"aes-russia", "sahel-digest"}
    assert saved["sahel-digest"].delivery == "digest"
    assert len(saved["aes-russia"].targets) == 2


async def test_loading_twice_updates_by_name_and_keeps_ids(redis: aioredis.Redis, compiler: Compiler) -> None:
    store = SubscriptionStore(redis, admission(compiler))
    entry = {"name": "aes-russia", "query": "AES", "notify": ["mailto:desk@example.org"]}
    assert await upsert_subscriptions(store, [entry]) == []
    first = await store.get_by_name("aes-russia")
    assert await upsert_subscriptions(store, [{**entry, "query": "AES + Russia summit"}]) == []
    second = await store.get_by_name("aes-russia")
    assert first is not None
    assert second is not None
    assert second.id == first.id
    assert second.created == first.created
    assert second.query == "AES + Russia summit"
    assert len(await store.all()) == 1
