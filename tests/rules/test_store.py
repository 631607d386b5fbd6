"""Subscriptions in a real Valkey: saving, names, checks, and changes reaching every replica."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr, ValidationError

from services.notify.rules.admission import admission
from services.notify.rules.book import LiveRuleBook
from services.notify.rules.query import Compiler
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id, dump, load, new_id
from shared.broker import make_client
from shared.errors import InputError, QueryError
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey
from tests.rules.conftest import eventually

TOKEN_URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"


def subscription(name: str = "aes-russia", query: str = "AES + Russia summit", **kw: object) -> Subscription:
    fields: dict[str, object] = {"targets": (SecretStr("mailto:desk@example.org"),), **kw}
    return Subscription(id=new_id(), name=name, query=query, **fields)  # type: ignore[arg-type]


def test_targets_never_print_and_channels_are_digests() -> None:
    sub = subscription(targets=(SecretStr("mailto:desk@example.org"), SecretStr(TOKEN_URL)))
    assert "AAHdq" not in repr(sub)
    assert "AAHdq" not in str(sub.model_dump())
    channels = sub.channels()
    assert channels[channel_id(TOKEN_URL)] == TOKEN_URL
    assert all(len(c) == 16 and TOKEN_URL not in c for c in channels)
    assert load(dump(sub)) == sub


@pytest.mark.parametrize(
    ("field", "value"),
    [("timezone", "Mars/Olympus"), ("name", "   "), ("delivery", "weekly"), ("targets", ())],
)
def test_invalid_subscription_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        subscription(**{field: value})
    assert field in str(caught.value)


async def test_saved_subscription_reads_back_by_id_and_name(redis: aioredis.Redis) -> None:
    store = SubscriptionStore(redis)
    saved = await store.save(subscription())
    assert await store.get(saved.id) == saved
    assert await store.get_by_name("aes-russia") == saved
    again = await store.save(saved.model_copy(update={"query": "AES"}))
    assert again.created == saved.created
    assert again.updated >= saved.updated
    assert [s.query for s in await store.all()] == ["AES"]


async def test_names_are_unique_and_renaming_frees_the_old_name(redis: aioredis.Redis) -> None:
    store = SubscriptionStore(redis)
    first = await store.save(subscription("desk"))
    with pytest.raises(InputError, match="already taken"):
        await store.save(subscription("desk"))
    await store.save(first.model_copy(update={"name": "desk-2"}))
    assert await store.get_by_name("desk") is None
    await store.save(subscription("desk"))
    assert {s.name for s in await store.all()} == {"desk", "desk-2"}


async def test_remove_and_disable(redis: aioredis.Redis) -> None:
    store = SubscriptionStore(redis)
    saved = await store.save(subscription())
    disabled = await store.set_enabled(saved.id, False)
    assert disabled is not None
    assert not disabled.enabled
    assert await store.remove(saved.id)
    assert not await store.remove(saved.id)
    assert await store.get_by_name("aes-russia") is None
    assert await store.set_enabled(saved.id, True) is None


async def test_admission_refuses_bad_queries_and_targets_and_saves_nothing(
    redis: aioredis.Redis, compiler: Compiler
) -> None:
    store = SubscriptionStore(redis, admission(compiler))
    with pytest.raises(QueryError) as caught:
        await store.save(subscription(query="AES AND"))
    assert caught.value.column == 5
    with pytest.raises(InputError, match="target 1"):
        await store.save(subscription(targets=(SecretStr("mailto:not an address"),)))
    with pytest.raises(InputError, match="target 2"):
        await store.save(subscription(targets=(SecretStr("mailto:desk@example.org"), SecretStr("tgram://x"))))
    assert await store.all() == []


async def test_a_change_reaches_every_replica_within_two_seconds(
    redis: aioredis.Redis, redis_url: str, vocabulary: Vocabulary
) -> None:
    replicas = [make_client(redis_url) for _ in range(2)]
    books = [LiveRuleBook(SubscriptionStore(client), vocabulary, block_ms=200) for client in replicas]
    stop = asyncio.Event()
    try:
        for book in books:
            await book.load()
        followers = [asyncio.create_task(book.follow(stop)) for book in books]
        article = lavrov_in_niamey(vocabulary)
        assert all(book.match(article) == [] for book in books)

        writer = SubscriptionStore(redis)
        saved = await writer.save(subscription())
        assert await eventually(lambda: all(book.match(article) for book in books)) < 2.0
        assert books[0].match(article)[0].subscription.name == "aes-russia"

        await writer.set_enabled(saved.id, False)
        await eventually(lambda: not any(book.match(article) for book in books))
        stop.set()
        await asyncio.gather(*followers)
    finally:
        stop.set()
        for client in replicas:
            await client.aclose()


async def test_a_rule_that_no_longer_compiles_is_skipped_not_fatal(
    redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    store = SubscriptionStore(redis)
    await store.save(subscription("broken", query="actor:no-such-actor"))
    await store.save(subscription("fine", query="Russia"))
    book = LiveRuleBook(store, vocabulary)
    await book.load()
    assert [m.subscription.name for m in book.match(lavrov_in_niamey(vocabulary))] == ["fine"]


async def test_an_unreadable_stored_subscription_is_skipped(redis: aioredis.Redis, vocabulary: Vocabulary) -> None:
    store = SubscriptionStore(redis)
    await store.save(subscription("fine", query="Russia"))
    await redis.hset("newsalert:subscriptions", "broken", b'{"id": "broken", "name": 3}')
    assert await store.get("broken") is None
    assert [s.name for s in await store.all()] == ["fine"]
    book = LiveRuleBook(store, vocabulary)
    await book.load()
    book.apply("broken", await store.get("broken"))
    assert [m.subscription.name for m in book.match(lavrov_in_niamey(vocabulary))] == ["fine"]
