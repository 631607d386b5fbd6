"""The notify match step: archive the article, decide alerts with the index, one per channel."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from pydantic import SecretStr

from services.notify.rules.archive import Archive
from services.notify.rules.book import RuleBook, alert_id, live_rules, rule_matcher
from services.notify.rules.settings import RulesSettings
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id
from shared.models import Alert
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey, locusts_in_chad
from tests.waiting import wait_until

TOKEN_URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"


def sub(sub_id: str, query: str, *targets: str, enabled: bool = True) -> Subscription:
    return Subscription(
        id=sub_id, name=f"rule {sub_id}", query=query, targets=tuple(SecretStr(t) for t in targets), enabled=enabled
    )


async def test_matching_article_gives_one_alert_per_channel_and_is_archived(
    redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    book = RuleBook(vocabulary)
    book.replace_all(
        [
            sub("a", "AES + Russia summit", "mailto:desk@example.org", TOKEN_URL),
            sub("b", "Chad", "mailto:desk@example.org"),
            sub("c", "Russia", "mailto:desk@example.org", enabled=False),
            sub("d", "actor:not-an-actor", "mailto:desk@example.org"),
        ]
    )
    assert sorted(book.subscriptions) == ["a", "b"]
    archive = Archive(redis)
    match = rule_matcher(book, archive)
    article = lavrov_in_niamey(vocabulary, story="story-7")
    alerts = await match(article)
    assert sorted(a.channel for a in alerts) == sorted([channel_id("mailto:desk@example.org"), channel_id(TOKEN_URL)])
    assert {a.subscription for a in alerts} == {"a"}
    assert all(a.story == "story-7" and a.id == alert_id("a", "story-7", a.channel) for a in alerts)
    assert all(TOKEN_URL not in a.model_dump_json() for a in alerts)
    assert any(ev.ref == "russia" and ev.held for ev in alerts[0].why)
    assert await match(locusts_in_chad(vocabulary)) != []
    assert await archive.count() == 2


def test_alert_ids_are_stable_and_distinct_per_story_and_channel() -> None:
    assert alert_id("a", "s", "c") == alert_id("a", "s", "c")
    assert (
        len({alert_id("a", "s", "c"), alert_id("a", "s2", "c"), alert_id("a", "s", "c2"), alert_id("b", "s", "c")}) == 4
    )


async def test_live_rules_give_the_match_step_and_the_task_that_follows_changes(
    redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    match, follow = await live_rules(redis, RulesSettings(rules_follow_block_ms=100), vocabulary)
    article = lavrov_in_niamey(vocabulary)
    assert await match(article) == []
    stop = asyncio.Event()
    task = asyncio.create_task(follow(stop))
    await SubscriptionStore(redis).save(sub("live", "Lavrov", "mailto:desk@example.org"))
    found: list[Alert] = []

    async def alerted() -> bool:
        found[:] = await match(article)
        return bool(found)

    await wait_until(alerted, timeout_s=2.0, what="the new rule to reach the match step")
    assert found[0].subscription == "live"
    stop.set()
    await task


def test_a_resync_reuses_what_it_compiled_and_still_takes_changes(vocabulary: Vocabulary) -> None:
    book = RuleBook(vocabulary)
    rules = [sub("a", "AES + Russia summit", "mailto:desk@example.org"), sub("b", "Chad", "mailto:desk@example.org")]
    book.replace_all(rules)
    first = dict(book.index.rules)
    book.replace_all(rules)
    assert all(book.index.rules[i] is q for i, q in first.items())
    book.replace_all([rules[0], sub("b", "Niger OR Chad", "mailto:desk@example.org")])
    assert book.index.rules["a"] is first["a"]
    assert book.index.rules["b"].text == "Niger OR Chad"
    assert [m.subscription.id for m in book.match(locusts_in_chad(vocabulary))] == ["b"]
    book.replace_all([rules[0]])
    assert sorted(book.index.rules) == ["a"]
    assert book.match(locusts_in_chad(vocabulary)) == []
