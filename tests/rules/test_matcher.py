"""Plain evaluation and explanations on written French and English articles."""

from __future__ import annotations

import pytest

from services.notify.rules.facts import Affiliations, facts_of, source_domains
from services.notify.rules.matcher import explain, holds
from services.notify.rules.query import Compiler
from shared.models import TaggedArticle
from shared.vocabulary import Vocabulary
from tests.rules.articles import LAVROV_TEXT, LAVROV_TITLE, lavrov_in_niamey, locusts_in_chad


@pytest.fixture(scope="module")
def affiliations(vocabulary: Vocabulary) -> Affiliations:
    return Affiliations(vocabulary)


def matches(compiler: Compiler, affiliations: Affiliations, query: str, article: TaggedArticle) -> bool:
    return holds(compiler.compile(query).root, facts_of(article, affiliations))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AES + Russia summit", True),
        ("Russia", True),  # Lavrov is affiliated to Russia
        ("Lavrov Niger", True),
        ("Mali", False),
        ("AES -Lavrov", False),
        ("AES -Mali", True),
        ("élection", False),  # a topic term wants the election tag, which classify did not give...
        ("word:élection", True),  # ...while the keyword finds "élections" by stemming
        ("word:ELECTIONS", True),
        ("word:ministre", True),
        ("word:diplomate", True),
        ("word:diplomates", True),
        ('"ordre du jour"', True),
        ('"jour du ordre"', False),
        ("lang:fr Niger", True),
        ("lang:en Niger", False),
        ("source:lemonde.fr AES", True),
        ("source:afrique.lemonde.fr AES", True),
        ("source:monde.fr AES", False),
        ("(Mali OR Niger) summit", True),
        ("(Mali OR Chad) summit", False),
    ],
)
def test_rules_on_a_french_article(
    compiler: Compiler, affiliations: Affiliations, vocabulary: Vocabulary, query: str, expected: bool
) -> None:
    assert matches(compiler, affiliations, query, lavrov_in_niamey(vocabulary)) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("word:locust", True),
        ("word:swarm", True),
        ("word:talk", True),
        ("word:harvest", True),
        ("word:Harvests", True),
        ("Chad", True),
        ("Chad -word:rain", False),
        ("source:example.com Chad", True),
        ("Russia", False),
    ],
)
def test_rules_on_an_english_article(
    compiler: Compiler, affiliations: Affiliations, vocabulary: Vocabulary, query: str, expected: bool
) -> None:
    assert matches(compiler, affiliations, query, locusts_in_chad(vocabulary)) is expected


def test_explanation_lists_each_term_with_its_evidence(
    compiler: Compiler, affiliations: Affiliations, vocabulary: Vocabulary
) -> None:
    article = lavrov_in_niamey(vocabulary)
    query = compiler.compile('Russia summit word:élection "ordre du jour" -Mali')
    why = {ev.ref: ev for ev in explain(query.root, facts_of(article, affiliations))}
    assert why["russia"].held
    assert [m.text for m in why["russia"].mentions] == ["Sergueï Lavrov"]
    assert why["summit"].mentions[0].text == "sommet"
    keyword = why["election"]
    assert keyword.kind == "keyword"
    assert keyword.held
    assert keyword.mentions[0].field == "text"
    assert LAVROV_TEXT[keyword.mentions[0].start : keyword.mentions[0].end] == "élections"
    phrase = why["ordre du jour"]
    assert phrase.held
    assert LAVROV_TEXT[phrase.mentions[0].start : phrase.mentions[0].end] == "ordre du jour"
    assert why["mali"].negated
    assert not why["mali"].held
    assert not why["mali"].mentions
    assert LAVROV_TITLE.startswith(why["russia"].mentions[0].text)


def test_source_domains_include_parents_but_not_the_bare_tld() -> None:
    assert source_domains("www.lemonde.fr", "https://afrique.lemonde.fr/x") == {
        "lemonde.fr",
        "afrique.lemonde.fr",
    }
    assert source_domains("Le Monde", None) == set()


def test_decomposed_accents_in_an_article_still_match(
    compiler: Compiler, affiliations: Affiliations, vocabulary: Vocabulary
) -> None:
    import unicodedata

    from tests.rules.articles import tagged

    text = unicodedata.normalize("NFD", "Les élections générales auront lieu en décembre à Bamako.")
    article = tagged(vocabulary, "Scrutin au Mali", text, "fr")
    assert matches(compiler, affiliations, "word:élection word:générale", article)
    why = explain(compiler.compile("word:decembre").root, facts_of(article, affiliations))
    assert why[0].held


def test_rules_sharing_a_term_share_its_evidence(
    compiler: Compiler, affiliations: Affiliations, vocabulary: Vocabulary
) -> None:
    article = lavrov_in_niamey(vocabulary)
    facts = facts_of(article, affiliations)
    first = explain(compiler.compile('word:élection "ordre du jour"').root, facts)
    query = compiler.compile('word:élection -"ordre du jour" -"jour du ordre"')
    second = explain(query.root, facts)
    assert first[0] is second[0]
    assert (first[1].held, first[1].negated) == (True, False)
    assert (second[1].held, second[1].negated) == (True, True)
    assert (second[2].held, second[2].mentions) == (False, ())
    assert second == explain(query.root, facts_of(article, affiliations))
