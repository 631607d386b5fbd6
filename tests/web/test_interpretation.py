"""How the editor explains a query: actors, topics, keywords with suggestions, or the column of a mistake."""

from __future__ import annotations

import pytest

from services.notify.web.interpretation import interpret
from shared.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return default_vocabulary()


def test_aes_russia_summit_and_a_keyword(vocabulary: Vocabulary) -> None:
    assert not vocabulary.resolve("orpaillage"), "test premise: orpaillage is not a vocabulary alias"
    reading = interpret("AES Russia summit orpaillage", vocabulary)
    assert reading.mistake is None
    by_text = {r.text: r for r in reading.readings}
    assert list(by_text) == ["AES", "Russia", "summit", "orpaillage"]
    assert ("actor", "Alliance of Sahel States") in [(m.kind, m.label) for m in by_text["AES"].meanings]
    russia = by_text["Russia"].meanings
    assert [(m.kind, m.ref, m.affiliated) for m in russia] == [("actor", "russia", True)]
    assert [(m.kind, m.label) for m in by_text["summit"].meanings] == [("topic", "Summit")]
    assert by_text["orpaillage"].unknown
    assert by_text["orpaillage"].meanings[0].kind == "keyword"
    assert not by_text["AES"].unknown


def test_a_misspelt_name_is_a_keyword_with_close_suggestions(vocabulary: Vocabulary) -> None:
    assert not vocabulary.resolve("Burkinna")
    (reading,) = interpret("Burkinna", vocabulary).readings
    assert reading.unknown
    assert "Burkina Faso" in reading.suggestions


def test_negated_terms_are_marked(vocabulary: Vocabulary) -> None:
    readings = interpret("Niger -Mali", vocabulary).readings
    assert [(r.text, r.negated) for r in readings] == [("Niger", False), ("Mali", True)]


@pytest.mark.parametrize(
    ("query", "column"),
    [
        ("AES AND", 5),
        ("AES OR OR Niger", 5),
        ("(AES summit", 1),
        ("AES)", 4),
        ('AES "sommet', 5),
        ("couleur:rouge", 1),
    ],
)
def test_a_mistake_carries_its_column(vocabulary: Vocabulary, query: str, column: int) -> None:
    reading = interpret(query, vocabulary)
    assert reading.mistake is not None
    assert reading.mistake.column == column
    before, at, _after = reading.mistake.split(query)
    assert len(before) == column - 1
    assert at == (query[column - 1] if column <= len(query) else " ")


def test_a_shared_alias_shows_the_entry_chosen_and_the_one_it_was_preferred_over(vocabulary: Vocabulary) -> None:
    (reading,) = interpret("AES", vocabulary).readings
    assert [(m.ref, m.entry_kind) for m in reading.meanings] == [("aes", "organisation")]
    assert [(m.kind, m.ref, m.label) for m in reading.alternatives] == [("actor", "aes-corporation", "AES Corporation")]
    assert interpret("AES Corporation", vocabulary).readings[0].alternatives == ()
