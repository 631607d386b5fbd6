"""The backtest behind the preview: matches, evidence in the article's own words, one alert per story per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notify.rules.facts import facts_of
from services.notify.rules.matcher import holds
from services.notify.rules.query import compile_query
from services.notify.web.preview import affiliations, backtest, could_match, cover
from shared.errors import QueryError
from shared.vocabulary import default_vocabulary
from tests.web.articles import corpus

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_aes_summit_matches_four_articles_in_three_stories() -> None:
    vocabulary = default_vocabulary()
    articles = sorted(corpus(NOW), key=lambda a: a.tagged, reverse=True)
    result = backtest(compile_query("AES summit", vocabulary), articles, vocabulary)
    assert result.scanned == 8
    assert result.matched == 4
    assert result.stories == 3
    counts = {bar.day: bar.count for bar in result.chart.bars}
    assert counts == {(NOW - timedelta(days=d, hours=1)).date(): n for d, n in ((4, 1), (3, 1), (2, 0), (1, 1))}
    french = next(h for h in result.hits if h.tagged.lang == "fr")
    assert ("l’AES", True) in french.title
    assert any(marked and piece in ("sommet", "Alliance des États du Sahel") for piece, marked in french.text)


def test_a_negation_removes_matches_and_a_bad_rule_matches_nothing_it_should_not() -> None:
    vocabulary = default_vocabulary()
    articles = corpus(NOW)
    with_russia = backtest(compile_query("Russia", vocabulary), articles, vocabulary)
    without_niger = backtest(compile_query("Russia -Niger", vocabulary), articles, vocabulary)
    assert with_russia.matched == 2
    assert without_niger.matched == 1
    assert "Moscow" in without_niger.hits[0].tagged.article.title


QUERIES = [
    "AES summit",
    "Russia -Niger",
    "orpaillage",
    "permis OR passeport",
    '"force conjointe"',
    "lang:fr Mali",
    "source:wire.example",
    "Moscou",
    "journaux",
    "ministre",
    "État",
    "securite",
    "ministère",
    "Kayes",
    "Aigles",
    "cœur",
]


def test_the_quick_filter_never_drops_a_match() -> None:
    vocabulary = default_vocabulary()
    table = affiliations(vocabulary)
    articles = corpus(NOW)
    checked = 0
    for text in QUERIES:
        query = compile_query(text, vocabulary)
        keys = cover(query.root)
        assert keys is not None
        for tagged in articles:
            if holds(query.root, facts_of(tagged, table)):
                checked += 1
                assert could_match(keys, tagged, table), (text, tagged.article.title)
    assert checked >= 15


def test_the_quick_filter_skips_articles_that_cannot_match() -> None:
    vocabulary = default_vocabulary()
    table = affiliations(vocabulary)
    keys = cover(compile_query("orpaillage", vocabulary).root)
    assert keys is not None
    assert [could_match(keys, t, table) for t in corpus(NOW)].count(True) == 1


def test_a_preview_stops_when_its_budget_is_spent_and_says_how_far_it_got() -> None:
    vocabulary = default_vocabulary()
    ticks = iter(range(1_000))
    articles = corpus(NOW) * 40
    result = backtest(compile_query("Mali", vocabulary), articles, vocabulary, budget_s=0.5, clock=lambda: next(ticks))
    assert result.scanned == 64
    assert result.scanned < len(articles)


def test_the_quick_filter_keeps_every_article_for_every_word_it_contains() -> None:
    vocabulary = default_vocabulary()
    table = affiliations(vocabulary)
    articles = corpus(NOW)
    words = {w.strip(".,:;!?()«»\"’'<>=") for a in articles for w in f"{a.article.title} {a.article.text}".split()}
    facts = [facts_of(a, table) for a in articles]
    tried = 0
    for word in sorted(w for w in words if len(w) > 2 and w.isalpha()):
        try:
            query = compile_query(word, vocabulary)
        except QueryError:
            continue
        keys = cover(query.root)
        assert keys is not None
        tried += 1
        for tagged, known in zip(articles, facts, strict=True):
            if holds(query.root, known):
                assert could_match(keys, tagged, table), (word, tagged.article.title)
    assert tried > 100
