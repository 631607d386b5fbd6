"""The rules a notify replica matches against: compiled, indexed, and kept fresh from Redis.

Every replica loads all subscriptions at start and then follows the store's change
feed (a blocking read, so a change is seen within milliseconds; a full resync now and
then heals anything missed). A rule that no longer compiles is logged and skipped:
one bad rule never stops the service.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from services.notify.rules.archive import Archive
from services.notify.rules.facts import Affiliations, Facts, facts_of
from services.notify.rules.index import RuleIndex
from services.notify.rules.matcher import explain
from services.notify.rules.query import Compiler, Query
from services.notify.rules.settings import RulesSettings
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from shared.errors import NewsalertError, QueryError
from shared.models import Alert, TaggedArticle, TermEvidence
from shared.vocabulary import Vocabulary, default_vocabulary

logger = logging.getLogger(__name__)

RETRY_DELAY_S = 1.0


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large structures, then freeze them.

    Compiling 100,000 rules allocates millions of long-lived objects; left on, the
    collector rescans them all again and again (quadratic time). Frozen afterwards,
    the index is no longer scanned by collections triggered while matching.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.freeze()


@dataclass(frozen=True, slots=True)
class Match:
    """A subscription whose rule holds for an article, and why."""

    subscription: Subscription
    why: tuple[TermEvidence, ...]


def alert_id(subscription_id: str, story: str, channel: str) -> str:
    """A stable id for (subscription, story, channel): one alert per story per channel."""
    return hashlib.sha256(f"{subscription_id}\x1f{story}\x1f{channel}".encode()).hexdigest()[:32]


def alerts_for(tagged: TaggedArticle, matches: Iterable[Match]) -> list[Alert]:
    """Turn matches into one alert per (subscription, channel)."""
    return [
        Alert(
            id=alert_id(m.subscription.id, tagged.story, channel),
            subscription=m.subscription.id,
            subscription_name=m.subscription.name,
            channel=channel,
            story=tagged.story,
            tagged=tagged,
            why=m.why,
        )
        for m in matches
        for channel in sorted(m.subscription.channels())
    ]


class RuleBook:
    """Enabled subscriptions, compiled and indexed; :meth:`match` says which hold for an article."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.compiler = Compiler(vocabulary)
        self.affiliations = Affiliations(vocabulary)
        self.index = RuleIndex()
        self.subscriptions: dict[str, Subscription] = {}

    def compile(self, sub: Subscription) -> Query | None:
        """Compile a subscription's query; log and return None if it no longer compiles."""
        try:
            return self.compiler.compile(sub.query)
        except QueryError as e:
            logger.error("skipping rule %r: %s", sub.name, e, extra={"subscription": sub.id})
            return None

    def replace_all(self, subs: Iterable[Subscription]) -> None:
        """Load a whole set of subscriptions at once (start, resync).

        A query already loaded is not compiled again, and an unchanged set of rules keeps
        its index: the periodic resync of 100,000 rules then costs look-ups, not a rebuild.
        """
        with paused_gc():
            enabled = {s.id: s for s in subs if s.enabled}
            current = self.index.rules
            loaded = {q.text: q for q in current.values()}
            compiled = [(sub_id, loaded.get(s.query) or self.compile(s)) for sub_id, s in enabled.items()]
            good = [(sub_id, q) for sub_id, q in compiled if q is not None]
            if len(good) != len(current) or any(current.get(sub_id) is not q for sub_id, q in good):
                self.index.build(good)
            self.subscriptions = {sub_id: enabled[sub_id] for sub_id, _ in good}
        logger.info("loaded %d rules", len(good))

    def apply(self, sub_id: str, sub: Subscription | None) -> None:
        """Take one subscription's change: saved (``sub``) or removed (None)."""
        self.index.remove(sub_id)
        self.subscriptions.pop(sub_id, None)
        if sub is None or not sub.enabled:
            return
        query = self.compile(sub)
        if query is not None:
            self.index.add(sub_id, query)
            self.subscriptions[sub_id] = sub

    def facts(self, tagged: TaggedArticle) -> Facts:
        """What the rules can see of an article."""
        return facts_of(tagged, self.affiliations)

    def match(self, tagged: TaggedArticle) -> list[Match]:
        """Return the subscriptions whose rule holds for ``tagged``, with explanations."""
        facts = self.facts(tagged)
        found = []
        for sub_id in self.index.match(facts):
            why = explain(self.index.rules[sub_id].root, facts)
            found.append(Match(self.subscriptions[sub_id], tuple(why)))
        return found


class LiveRuleBook(RuleBook):
    """A rule book that follows a :class:`SubscriptionStore`."""

    def __init__(self, store: SubscriptionStore, vocabulary: Vocabulary, block_ms: int = 1_000) -> None:
        super().__init__(vocabulary)
        self.store = store
        self.block_ms = block_ms
        self.cursor = "0-0"

    async def load(self) -> None:
        """Read every subscription; changes after the cursor taken first are replayed by :meth:`refresh`."""
        self.cursor = await self.store.cursor()
        self.replace_all(await self.store.all())

    async def refresh(self) -> int:
        """Wait up to ``block_ms`` for changes and apply them; return how many subscriptions changed."""
        self.cursor, changed = await self.store.changes(self.cursor, self.block_ms)
        for sub_id in changed:
            self.apply(sub_id, await self.store.get(sub_id))
        return len(changed)

    async def follow(self, stop: asyncio.Event, resync_s: float = 300.0) -> None:
        """Apply changes until ``stop`` is set; reload everything every ``resync_s`` seconds."""
        loop = asyncio.get_running_loop()
        next_resync = loop.time() + resync_s
        while not stop.is_set():
            try:
                if loop.time() >= next_resync:
                    await self.load()
                    next_resync = loop.time() + resync_s
                await self.refresh()
            except NewsalertError as e:
                logger.warning("cannot follow rule changes, retrying: %s", e)
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RETRY_DELAY_S)


def rule_matcher(book: RuleBook, archive: Archive) -> Callable[[TaggedArticle], Awaitable[list[Alert]]]:
    """Build the notify match step: archive the article for backtests, then alert every matching rule."""

    async def match(tagged: TaggedArticle) -> list[Alert]:
        await archive.add(tagged)
        return alerts_for(tagged, book.match(tagged))

    return match


async def live_rules(
    client: aioredis.Redis, settings: RulesSettings | None = None, vocabulary: Vocabulary | None = None
) -> tuple[Callable[[TaggedArticle], Awaitable[list[Alert]]], Callable[[asyncio.Event], Coroutine[Any, Any, None]]]:
    """Load every rule and return the notify match step and the task that keeps the rules fresh.

    In the notify app factory: ``match, follow = await live_rules(runtime.client)``, then
    ``notify_stages(match)`` and ``tasks=[follow]``.
    """
    settings = settings or RulesSettings()
    book = LiveRuleBook(SubscriptionStore(client), vocabulary or default_vocabulary(), settings.rules_follow_block_ms)
    await book.load()
    archive = Archive(client, settings.archive_retention_days)

    async def follow(stop: asyncio.Event) -> None:
        await book.follow(stop, settings.rules_resync_s)

    return rule_matcher(book, archive), follow
