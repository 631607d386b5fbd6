"""The oracle every fault test ends with (after Kafka's transaction tests): received == expected, once each."""

from __future__ import annotations

from collections import Counter

from shared.models import TaggedArticle
from shared.streams import ARTICLES, CLASSIFY_GROUP, NOTIFY_GROUP, STAGES, TAGGED, done_key
from tests.faults.system import System, body


async def assert_oracle(system: System, expected: set[str], poison: dict[str, set[str]]) -> None:
    """Every expected article tagged exactly once and handled by notify; nothing pending; only poison dead."""
    tagged = await system.tagged_ids()
    duplicates = {article_id: n for article_id, n in tagged.items() if n > 1}
    assert not duplicates, f"articles tagged more than once: {duplicates}"
    assert set(tagged) == expected, f"missing {expected - set(tagged)}, unexpected {set(tagged) - expected}"
    poisoned = poison.get(TAGGED, set())
    for entry_id, fields in await system.client.xrange(TAGGED):
        if entry_id.decode() in poisoned:
            continue
        article = TaggedArticle.model_validate_json(body(fields)).article
        key = f"{article.id}:{article.digest()}"
        assert await system.client.exists(done_key(CLASSIFY_GROUP, key), done_key(NOTIFY_GROUP, key)) == 2
    backlog = await system.backlog()
    assert set(backlog) == {stream for stream, _ in STAGES}
    assert all(pending == 0 and lag == 0 for pending, lag in backlog.values()), backlog
    for stream, _ in STAGES:
        origins = await system.dead_origins(stream)
        assert origins == Counter(poison.get(stream, set())), f"dead letters of {stream}: {origins}"
    assert await system.articles_published() == len(expected) + len(poison.get(ARTICLES, set()))
