"""Placeholder tagger: the real multilingual tagger replaces it (issue 3)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.models import ActorTag, Article, TopicTag


@dataclass(frozen=True)
class Tags:
    """What tagging found in one article."""

    lang: str
    actors: tuple[ActorTag, ...] = ()
    topics: tuple[TopicTag, ...] = ()


def tag(article: Article, vocabulary: object) -> Tags:
    """Tag nothing yet; keep the language given on input."""
    return Tags(lang=article.lang or "und")
