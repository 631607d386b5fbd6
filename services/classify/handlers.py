"""Thin handler of the classify stage: tag, group into a story, publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from services.classify.payload import tagged_payload
from services.classify.stories import StoryStore
from services.classify.tagger import prepare, tag
from shared.models import Article
from shared.stage import Output
from shared.streams import TAGGED
from shared.vocabulary import Vocabulary


def article_handler(vocabulary: object, stories: StoryStore) -> Callable[[Article], Awaitable[Sequence[Output]]]:
    """Build ``on_article``: one tagged article per article."""
    vocab = prepare(vocabulary if isinstance(vocabulary, Vocabulary) else None)

    async def on_article(article: Article) -> Sequence[Output]:
        tags = tag(article, vocab)
        story = await stories.assign(article, tags)
        return [(TAGGED, tagged_payload(article, tags, story))]

    return on_article
