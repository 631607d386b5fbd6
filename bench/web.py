"""Benchmark of the editor's preview: one backtest over stored articles, against a plain scan.

Workload: 1,000 tagged articles of about 450 words, French and English, built from the web
tests' Sahel articles padded with shuffled neutral words (seeded). Each query is
previewed with the prefilter (cover keys, then the folded text) and, as the baseline in the
same run, by tokenising and evaluating every article. Figures are milliseconds per preview.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from services.notify.rules.facts import facts_of
from services.notify.rules.matcher import holds
from services.notify.rules.query import Query, compile_query
from services.notify.web.preview import affiliations, backtest
from shared.models import TaggedArticle
from shared.vocabulary import Vocabulary, default_vocabulary
from tests.web.articles import corpus

ARTICLES = 1_000
WORDS = 450
FILLER_TEXT = (
    "le gouvernement a indiqué que la situation reste préoccupante selon plusieurs sources locales "
    "the government said the situation remained a concern according to several local sources "
    "les prix du carburant et des céréales ont encore augmenté sur les marchés de la capitale "
    "fuel and grain prices rose again in the capital markets while talks continued with partners"
)
QUERIES = ("orpaillage", "Russia -Niger", "AES summit", '"force conjointe"', "lang:fr")
SEED = 9


def workload(rng: random.Random) -> list[TaggedArticle]:
    """Long articles: each seed article's text padded with shuffled neutral words."""
    seeds = corpus()
    filler = FILLER_TEXT.split(" ")
    out = []
    for i in range(ARTICLES):
        base = seeds[i % len(seeds)]
        padding = " ".join(rng.choice(filler) for _ in range(WORDS))
        article = base.article.model_copy(update={"id": f"{i:016x}", "text": base.article.text + " " + padding})
        out.append(base.model_copy(update={"article": article, "story": f"story-{i % 300}"}))
    return out


def plain_scan(query: Query, articles: list[TaggedArticle], vocabulary: Vocabulary) -> int:
    """The baseline: tokenise and evaluate every article."""
    table = affiliations(vocabulary)
    return sum(1 for tagged in articles if holds(query.root, facts_of(tagged, table)))


def timed(run: Callable[[], int]) -> tuple[float, int]:
    """Milliseconds of one run, and its result."""
    start = time.perf_counter()
    result = run()
    return (time.perf_counter() - start) * 1_000, result


def main() -> None:
    """Print ms per preview with the prefilter and with a plain scan, and their ratio."""
    vocabulary = default_vocabulary()
    articles = workload(random.Random(SEED))
    print(f"{ARTICLES} articles of ~{WORDS} words; ms per preview (prefilter vs plain scan in the same run)")
    print(f"{'query':<22}{'matches':>8}{'preview':>10}{'plain':>10}{'speed-up':>10}")
    for text in QUERIES:
        query = compile_query(text, vocabulary)
        preview_ms, matched = timed(lambda q=query: backtest(q, articles, vocabulary).matched)  # type: ignore[misc]
        plain_ms, expected = timed(lambda q=query: plain_scan(q, articles, vocabulary))  # type: ignore[misc]
        assert matched == expected, f"{text}: preview found {matched}, plain scan {expected}"
        print(f"{text:<22}{matched:>8}{preview_ms:>10.0f}{plain_ms:>10.0f}{plain_ms / preview_ms:>9.1f}x")


if __name__ == "__main__":
    main()
