"""The backtest behind the editor's preview: which stored articles a query matches, why, and per day."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from services.notify.delivery.view import Segment, snippet
from services.notify.rules.facts import Affiliations, facts_of, source_domains
from services.notify.rules.matcher import explain, holds
from services.notify.rules.query import Node, Not, Or, Query, Term
from services.notify.web.chart import Chart, per_day
from services.notify.web.highlight import Piece, held_mentions, pieces
from shared.models import TaggedArticle, TermEvidence
from shared.vocabulary import Vocabulary, fold

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


def cover(node: Node) -> frozenset[str] | None:
    """Keys one of which every article matching ``node`` shows; None for a part that holds by negation."""
    if isinstance(node, Term):
        return frozenset(node.keys)
    if isinstance(node, Not):
        return None
    covers = [cover(child) for child in node.children]
    if isinstance(node, Or):
        return None if None in covers else frozenset().union(*(c for c in covers if c is not None))
    return min((c for c in covers if c is not None), key=len, default=None)


def could_match(keys: frozenset[str], tagged: TaggedArticle, table: Affiliations) -> bool:
    """A cheap necessary condition: the article shows a cover key, without tokenising its text.

    A keyword key ``k:<lang>:<stem>`` can only hold if the folded text contains the stem less
    its last letter (stemming only rewrites the end of a word: journaux -> journal, cities -> city).
    """
    shown = {f"l:{tagged.lang.lower()}", *(f"t:{t.id}" for t in tagged.topics)}
    shown.update(f"a:{holder}" for actor in tagged.actors for holder in table.holders(actor.id))
    shown.update(f"s:{d}" for d in source_domains(tagged.article.source, tagged.article.url))
    if not keys.isdisjoint(shown):
        return True
    stems = [k.split(":", 2)[2] for k in keys if k.startswith("k:")]
    if not stems:
        return False
    text = tagged.article.title + "\n" + tagged.article.text
    folded = ascii_folded(text) if all(stem.isascii() for stem in stems) else fold(text)
    return any((stem[:-1] if len(stem) > 3 else stem) in folded for stem in stems)


def ascii_folded(text: str) -> str:
    """Lowercase ``text`` without accents, dropping what is not ASCII: fast, and enough to find ASCII stems.

    Every folded word's ASCII letters survive in order, so an ASCII stem found by
    :func:`shared.vocabulary.fold` is found here too (more text may match: that is fine for a prefilter).
    """
    return unicodedata.normalize("NFD", text.lower()).encode("ascii", "ignore").decode("ascii")


def day_of(tagged: TaggedArticle) -> date:
    """The day an article's alert goes out: the day it was tagged (UTC), as the rules backtest counts."""
    return tagged.tagged.date()


def hit(tagged: TaggedArticle, why: tuple[TermEvidence, ...]) -> Hit:
    """Describe one matching article for display."""
    article = tagged.article
    title = tuple(pieces(article.title, held_mentions(why, "title")))
    return Hit(tagged, why, title, snippet(article.text, why))


def backtest(
    query: Query,
    articles: Sequence[TaggedArticle],
    vocabulary: Vocabulary,
    budget_s: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Backtest:
    """Run ``query`` over ``articles`` (newest first); a story alerts once, on the day of its first article.

    With ``budget_s``, scanning stops when the budget is spent and ``scanned`` says how far it got.
    """
    table = affiliations(vocabulary)
    keys = cover(query.root)
    deadline = clock() + budget_s if budget_s is not None else None
    shown: list[Hit] = []
    first_day: dict[str, date] = {}
    matched = scanned = 0
    for tagged in articles:
        if deadline is not None and scanned and scanned % 64 == 0 and clock() > deadline:
            break
        scanned += 1
        if keys is not None and not could_match(keys, tagged, table):
            continue
        facts = facts_of(tagged, table)
        if not holds(query.root, facts):
            continue
        matched += 1
        if len(shown) < MAX_SHOWN:
            shown.append(hit(tagged, tuple(explain(query.root, facts))))
        day = day_of(tagged)
        first_day[tagged.story] = min(day, first_day.get(tagged.story, day))
    return Backtest(tuple(shown), matched, len(first_day), scanned, per_day(first_day.values()))


def latest_matching(
    query: Query | None, articles: Sequence[TaggedArticle], vocabulary: Vocabulary, limit: int
) -> list[Hit]:
    """The first ``limit`` articles (newest first) that ``query`` matches, or simply the first ones without a query."""
    if query is None:
        return [hit(tagged, ()) for tagged in articles[:limit]]
    table = affiliations(vocabulary)
    keys = cover(query.root)
    found: list[Hit] = []
    for tagged in articles:
        if len(found) >= limit:
            break
        if keys is not None and not could_match(keys, tagged, table):
            continue
        facts = facts_of(tagged, table)
        if holds(query.root, facts):
            found.append(hit(tagged, tuple(explain(query.root, facts))))
    return found
