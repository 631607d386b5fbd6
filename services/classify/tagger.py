"""The tagger: language, actors and topics of one article, in one pass over each field."""

from __future__ import annotations

from dataclasses import dataclass

from services.classify.actors import actor_tags, resolve
from services.classify.context import Field
from services.classify.language import detect, identifier, primary
from services.classify.patterns import compiled
from services.classify.topics import topic_tags
from shared.models import ActorTag, Article, TopicTag
from shared.vocabulary import Vocabulary, default_vocabulary

MAX_SCAN_CHARS = 100_000
"""Text beyond this is not scanned: actors and topics of a news article are stated long before."""


@dataclass(frozen=True)
class Tags:
    """What tagging found in one article."""

    lang: str
    actors: tuple[ActorTag, ...] = ()
    topics: tuple[TopicTag, ...] = ()


def prepare(vocabulary: Vocabulary | None = None) -> Vocabulary:
    """Load the vocabulary, compile its automaton and load the language model, before the first article."""
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    compiled(vocab)
    identifier()
    return vocab


def tag(article: Article, vocabulary: Vocabulary | None = None) -> Tags:
    """Tag ``article``: its language (a given one is kept), the actors it names and its topics."""
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    lang = article.lang or detect(article.title, article.text)
    patterns = compiled(vocab)
    fields = [Field("title", article.title, patterns), Field("text", article.text[:MAX_SCAN_CHARS], patterns)]
    hits = [(fld, hit) for fld in fields for hit in fld.hits]
    found = resolve(fields, hits, primary(lang))
    return Tags(
        lang=lang,
        actors=actor_tags(found, len(fields[1].text)),
        topics=topic_tags(hits, primary(lang), found, patterns.topics),
    )
