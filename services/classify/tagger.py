"""The tagger: language, actors and topics of one article, in one pass over each field."""

from __future__ import annotations

from typing import Final

from pydantic import TypeAdapter

from services.classify.actors import actor_tags, resolve
from services.classify.context import Field
from services.classify.language import SAMPLE_CHARS, detect, identifier, primary
from services.classify.patterns import compiled
from services.classify.topics import topic_tags
from shared.models import ActorRecord, ActorTag, Article, TopicRecord, TopicTag
from shared.vocabulary import Vocabulary, default_vocabulary

MAX_SCAN_CHARS: Final = 100_000
"""Text beyond this is not scanned: actors and topics of a news article are stated long before."""
_ACTOR_TAGS: Final = TypeAdapter(tuple[ActorTag, ...])
_TOPIC_TAGS: Final = TypeAdapter(tuple[TopicTag, ...])


class Tags:
    """What tagging found in one article.

    Actors and topics are kept as records, the plain data of their models in the models' key
    order: the classify stage sends them as they are (building a model for each of the
    article's mentions cost more than finding them); :attr:`actors` and :attr:`topics` give
    the validated models.
    """

    # a plain class, not a dataclass: mypyc builds it natively (one per article)
    __slots__ = ("actor_records", "lang", "topic_records")

    def __init__(
        self,
        lang: str,
        actor_records: list[ActorRecord] | None = None,
        topic_records: list[TopicRecord] | None = None,
    ) -> None:
        self.lang = lang
        self.actor_records: list[ActorRecord] = actor_records if actor_records is not None else []
        self.topic_records: list[TopicRecord] = topic_records if topic_records is not None else []

    def __repr__(self) -> str:
        return f"Tags(lang={self.lang!r}, actor_records={self.actor_records!r}, topic_records={self.topic_records!r})"

    @property
    def actors(self) -> tuple[ActorTag, ...]:
        """The actors as validated models, built anew on each call."""
        return _ACTOR_TAGS.validate_python(self.actor_records)

    @property
    def topics(self) -> tuple[TopicTag, ...]:
        """The topics as validated models, built anew on each call."""
        return _TOPIC_TAGS.validate_python(self.topic_records)


def prepare(vocabulary: Vocabulary | None = None) -> Vocabulary:
    """Load the vocabulary, compile its automaton and load the language model, before the first article."""
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    compiled(vocab)
    identifier()
    return vocab


def tag(article: Article, vocabulary: Vocabulary | None = None) -> Tags:
    """Tag ``article``: its language (a given one is kept), the actors it names and its topics."""
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    patterns = compiled(vocab)
    fields = [Field("title", article.title, patterns), Field("text", article.text[:MAX_SCAN_CHARS], patterns)]
    # the fields are flattened already: the language vote reads its sample from them
    lang = article.lang or detect(article.title, article.text, fields[0].flat + fields[1].flat[: SAMPLE_CHARS + 1])
    found = resolve(fields, primary(lang))
    return Tags(
        lang=lang,
        actor_records=actor_tags(found, len(fields[1].text)),
        topic_records=topic_tags(fields, primary(lang), found, patterns.topics),
    )
