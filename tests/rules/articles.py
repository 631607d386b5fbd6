"""Tagged articles written for the rules tests, with tags placed on the words that carry them."""

from __future__ import annotations

import hashlib
from datetime import datetime

from shared.models import ActorTag, Article, Mention, TaggedArticle, TopicTag
from shared.vocabulary import Vocabulary


def _mentions(title: str, text: str, phrase: str) -> tuple[Mention, ...]:
    found = []
    for field, body in (("title", title), ("text", text)):
        start = body.find(phrase)
        if start >= 0:
            found.append(Mention(field=field, start=start, end=start + len(phrase), text=phrase))  # type: ignore[arg-type]
    return tuple(found)


def tagged(
    vocabulary: Vocabulary,
    title: str,
    text: str,
    lang: str,
    *,
    actors: dict[str, str] | None = None,
    topics: dict[str, str] | None = None,
    source: str = "www.lemonde.fr",
    url: str | None = None,
    story: str | None = None,
    when: datetime | None = None,
) -> TaggedArticle:
    """Build a tagged article; ``actors``/``topics`` map an id to the words that mention it."""
    article_id = hashlib.sha256(f"{title}{text}".encode()).hexdigest()[:32]
    actor_tags = tuple(
        ActorTag(
            id=actor_id,
            name=vocabulary.entries[actor_id].name,
            kind=vocabulary.entries[actor_id].kind,  # type: ignore[arg-type]
            salience=0.8,
            mentions=_mentions(title, text, words),
        )
        for actor_id, words in (actors or {}).items()
    )
    topic_tags = tuple(
        TopicTag(id=topic_id, score=0.7, mentions=_mentions(title, text, words))
        for topic_id, words in (topics or {}).items()
    )
    article = Article(id=article_id, title=title, text=text, source=source, url=url, lang=lang)
    extra = {"tagged": when} if when is not None else {}
    return TaggedArticle(
        article=article, lang=lang, actors=actor_tags, topics=topic_tags, story=story or article_id[:16], **extra
    )


LAVROV_TITLE = "Sergueï Lavrov reçu à Niamey avant le sommet de l'AES"
LAVROV_TEXT = (
    "Le chef de la diplomatie russe a rencontré mardi les ministres de l'Alliance des États du Sahel. "
    "Les élections au Burkina Faso ne figuraient pas à l'ordre du jour, selon un diplomate nigérien."
)


def lavrov_in_niamey(vocabulary: Vocabulary, **kwargs: object) -> TaggedArticle:
    """A French article: Lavrov (affiliated to Russia) at an AES summit in Niamey."""
    return tagged(
        vocabulary,
        LAVROV_TITLE,
        LAVROV_TEXT,
        "fr",
        actors={"sergei-lavrov": "Sergueï Lavrov", "aes": "AES", "niger": "Niamey", "burkina-faso": "Burkina Faso"},
        topics={"summit": "sommet", "diplomacy": "diplomatie"},
        url="https://afrique.lemonde.fr/article/lavrov-niamey",
        **kwargs,  # type: ignore[arg-type]
    )


def locusts_in_chad(vocabulary: Vocabulary, **kwargs: object) -> TaggedArticle:
    """An English article with no actor of the rules above and plural keywords."""
    return tagged(
        vocabulary,
        "Locust swarms threaten harvests in Chad",
        "Farmers said the swarms arrived after heavy rains. Talks with donors on emergency aid began on Monday.",
        "en",
        actors={"chad": "Chad"},
        topics={"humanitarian": "emergency aid"},
        source="news.example.com",
        **kwargs,  # type: ignore[arg-type]
    )
