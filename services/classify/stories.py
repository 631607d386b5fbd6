"""Placeholder story grouping: the real near-duplicate grouping replaces it (issue 3)."""

from __future__ import annotations

import redis.asyncio as aioredis

from services.classify.tagger import Tags
from shared.models import Article


class StoryStore:
    """Assigns each article to a story; for now every article is its own story."""

    def __init__(self, client: aioredis.Redis, window_s: float = 72 * 3600) -> None:
        self.client = client
        self.window_s = window_s

    async def assign(self, article: Article, tags: Tags) -> str:
        """Return the story id of ``article``."""
        return article.id
