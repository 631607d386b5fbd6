"""What a tagged article offers to rules: index keys, plus what is needed to explain a match."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.notify.rules.stemmer import article_keyword_key
from shared.models import ActorTag, Article, TaggedArticle, TextField, TopicTag
from shared.vocabulary import Vocabulary
from shared.vocabulary.folding import Token, flatten, tokens


class Affiliations:
    """For each actor id, the actor terms it satisfies: itself and everything it is affiliated to."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        holders: dict[str, set[str]] = defaultdict(set)
        for entry_id in vocabulary.entries:
            for member in vocabulary.affiliates(entry_id):
                holders[member].add(entry_id)
        self._holders = {k: frozenset(v | {k}) for k, v in holders.items()}

    def holders(self, actor_id: str) -> frozenset[str]:
        """Return the ids of every actor term that an article tagged ``actor_id`` satisfies."""
        return self._holders.get(actor_id) or frozenset((actor_id,))


@dataclass(frozen=True, slots=True)
class Passage:
    """One text field of an article with its folded tokens."""

    field: TextField
    text: str
    tokens: tuple[Token, ...]
    words: tuple[str, ...]


class Facts:
    """An article seen by the matcher: the keys it shows, and the evidence behind them.

    Keys come from a fast split of the folded text; the tokens with their offsets, only
    needed to explain a match or to check a phrase, are computed on first use.
    """

    __slots__ = ("_passages", "actors", "article", "keys", "lang", "topics")

    def __init__(
        self,
        article: Article,
        lang: str,
        keys: frozenset[str],
        actors: Mapping[str, tuple[ActorTag, ...]],
        topics: Mapping[str, TopicTag],
    ) -> None:
        self.article = article
        self.lang = lang
        self.keys = keys
        self.actors = actors
        self.topics = topics
        self._passages: tuple[Passage, ...] | None = None

    @property
    def article_id(self) -> str:
        """The article's id."""
        return self.article.id

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Title and text with their folded tokens."""
        if self._passages is None:
            fields: tuple[TextField, ...] = ("title", "text")
            passages = []
            for field in fields:
                text = getattr(self.article, field)
                toks = tuple(tokens(text))
                passages.append(Passage(field, text, toks, tuple(t.folded for t in toks)))
            self._passages = tuple(passages)
        return self._passages


def source_domains(source: str, url: str | None) -> set[str]:
    """Return the article's source domain and its parent domains (``a.b.com`` -> ``a.b.com``, ``b.com``)."""
    hosts: set[str] = set()
    for candidate in (source, urlsplit(url).hostname if url else None):
        if candidate and "." in candidate and " " not in candidate.strip():
            hosts.add(candidate.strip().lower().removeprefix("www.").rstrip("."))
    domains: set[str] = set()
    for host in hosts:
        labels = host.split(".")
        domains.update(".".join(labels[i:]) for i in range(len(labels) - 1))
    return domains


def _composed(text: str) -> str:
    # decomposed accents would stay inside words once flattened; tokens() strips them
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def facts_of(tagged: TaggedArticle, affiliations: Affiliations) -> Facts:
    """Compute what rules can see of ``tagged``."""
    lang = tagged.lang.lower()
    keys: set[str] = {f"l:{lang}"}
    actors: dict[str, list[ActorTag]] = defaultdict(list)
    for actor in tagged.actors:
        for holder in affiliations.holders(actor.id):
            actors[f"a:{holder}"].append(actor)
    topics = {f"t:{t.id}": t for t in tagged.topics}
    keys.update(actors, topics)
    keys.update(f"s:{d}" for d in source_domains(tagged.article.source, tagged.article.url))
    words = set(flatten(_composed(tagged.article.title)).split())
    words.update(flatten(_composed(tagged.article.text)).split())
    keys.update(article_keyword_key(w, lang) for w in words)
    return Facts(tagged.article, lang, frozenset(keys), {k: tuple(v) for k, v in actors.items()}, topics)
