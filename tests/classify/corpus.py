"""The labelled test articles and the scores the quality tests assert."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from services.classify.tagger import Tags
from shared.models import Article

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Labelled:
    """One test article with what it should and must not be tagged with."""

    article: Article
    actors: frozenset[str]
    topics: frozenset[str]
    traps: frozenset[str]


def load(lang: str) -> list[Labelled]:
    """The labelled articles of one language file."""
    records = yaml.safe_load((HERE / f"corpus_{lang}.yaml").read_text(encoding="utf-8"))
    return [
        Labelled(
            article=Article(
                id=hashlib.sha256(r["id"].encode()).hexdigest()[:16], title=r["title"], text=r["text"], lang=None
            ),
            actors=frozenset(r["actors"]),
            topics=frozenset(r["topics"]),
            traps=frozenset(r["traps"]),
        )
        for r in records
    ]


@dataclass
class Score:
    """Micro-averaged counts over a corpus."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    def add(self, expected: frozenset[str], found: frozenset[str]) -> None:
        """Count one article."""
        self.true_pos += len(expected & found)
        self.false_pos += len(found - expected)
        self.false_neg += len(expected - found)

    @property
    def precision(self) -> float:
        """Share of found tags that were expected."""
        return self.true_pos / max(1, self.true_pos + self.false_pos)

    @property
    def recall(self) -> float:
        """Share of expected tags that were found."""
        return self.true_pos / max(1, self.true_pos + self.false_neg)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def differences(item: Labelled, tags: Tags) -> str:
    """A one-line report of what tagging got wrong on one article, for failure messages."""
    actors = frozenset(a.id for a in tags.actors)
    topics = frozenset(t.id for t in tags.topics)
    parts = [
        f"actors +{sorted(actors - item.actors)} -{sorted(item.actors - actors)}",
        f"topics +{sorted(topics - item.topics)} -{sorted(item.topics - topics)}",
    ]
    return f"{item.article.title[:60]!r}: " + "; ".join(parts)
