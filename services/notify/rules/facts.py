"""What a tagged article offers to rules: index keys, plus what is needed to explain a match."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from services.notify.rules.stemmer import article_keyword_key
from shared.models import ActorTag, TaggedArticle, TextField, TopicTag
from shared.vocabulary import Vocabulary
from shared.vocabulary.folding import Token, tokens


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


@dataclass(frozen=True, slots=True)
class Facts:
    """An article seen by the matcher: the set of keys it shows and the evidence behind them."""

    article_id: str
    lang: str
    keys: frozenset[str]
    actors: Mapping[str, tuple[ActorTag, ...]]
    topics: Mapping[str, TopicTag]
    passages: tuple[Passage, ...]


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
    passages = []
    fields: tuple[TextField, ...] = ("title", "text")
    for field in fields:
        text = getattr(tagged.article, field)
        toks = tuple(tokens(text))
        words = tuple(t.folded for t in toks)
        keys.update(article_keyword_key(w, lang) for w in set(words))
        passages.append(Passage(field, text, toks, words))
    return Facts(
        article_id=tagged.article.id,
        lang=lang,
        keys=frozenset(keys),
        actors={k: tuple(v) for k, v in actors.items()},
        topics=topics,
        passages=tuple(passages),
    )
