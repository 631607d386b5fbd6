"""The backtest behind the editor's preview: which stored articles a query matches, why, and per day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from services.notify.delivery.view import Segment, snippet
from services.notify.rules.facts import Affiliations, facts_of
from services.notify.rules.matcher import explain, holds
from services.notify.rules.query import Query
from services.notify.web.chart import Chart, per_day
from services.notify.web.highlight import Piece, held_mentions, pieces
from shared.models import TaggedArticle, TermEvidence
from shared.vocabulary import Vocabulary

MAX_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Hit:
    """A matching article with what satisfied the rule, its title and a text window highlighted."""

    tagged: TaggedArticle
    why: tuple[TermEvidence, ...]
    title: tuple[Piece, ...]
    text: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Backtest:
    """What a query would have caught among ``scanned`` stored articles."""

    hits: tuple[Hit, ...]
    matched: int
    stories: int
    scanned: int
    chart: Chart


@lru_cache(maxsize=4)
def affiliations(vocabulary: Vocabulary) -> Affiliations:
    """The affiliation table of a vocabulary, built once per vocabulary."""
    return Affiliations(vocabulary)


def day_of(tagged: TaggedArticle) -> date:
    """The day an article counts for: its publication, else its fetch (UTC)."""
    return (tagged.article.published or tagged.article.fetched).date()


def hit(tagged: TaggedArticle, why: tuple[TermEvidence, ...]) -> Hit:
    """Describe one matching article for display."""
    article = tagged.article
    title = tuple(pieces(article.title, held_mentions(why, "title")))
    return Hit(tagged, why, title, snippet(article.text, why))


def backtest(query: Query, articles: Sequence[TaggedArticle], vocabulary: Vocabulary) -> Backtest:
    """Run ``query`` over ``articles`` (newest first); a story alerts once, on the day of its first article."""
    table = affiliations(vocabulary)
    matching: list[tuple[TaggedArticle, tuple[TermEvidence, ...]]] = []
    for tagged in articles:
        facts = facts_of(tagged, table)
        if holds(query.root, facts):
            matching.append((tagged, tuple(explain(query.root, facts))))
    first_day: dict[str, date] = {}
    for tagged, _ in matching:
        day = day_of(tagged)
        first_day[tagged.story] = min(day, first_day.get(tagged.story, day))
    shown = tuple(hit(t, why) for t, why in matching[:MAX_SHOWN])
    return Backtest(shown, len(matching), len(first_day), len(articles), per_day(first_day.values()))
