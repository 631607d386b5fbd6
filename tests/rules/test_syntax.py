"""The grammar: what parses, and every refusal with its column."""

from __future__ import annotations

import pytest

from services.notify.rules.syntax import Conjunction, Disjunction, Field, Negation, Phrase, Words, parse
from shared.errors import QueryError


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ("(AES OR Niger", 1, "'(' is never closed"),
        ("AES OR Niger)", 13, "')' has no matching '('"),
        ("(AES))", 6, "')' has no matching '('"),
        ("()", 1, "empty parentheses"),
        ("AES AND", 5, "AND has nothing after it"),
        ("AES +", 5, "+ has nothing after it"),
        ("OR Niger", 1, "OR has nothing before it"),
        ("AES OR OR Niger", 5, "OR has nothing after it"),
        ("AES | ", 5, "| has nothing after it"),
        ("Niger NOT", 7, "NOT has nothing after it"),
        ("Niger -", 7, "'-' must be followed by the term"),
        ("country:niger", 1, "unknown field 'country'"),
        ("AES actor: russia", 5, "needs a value"),
        ('AES "sommet de', 5, "unterminated quote"),
        ("x" * 1001, 1001, "longer than 1000 characters"),
    ],
)
def test_malformed_query_is_refused_at_its_column(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert caught.value.column == column
    assert message in caught.value.message
    assert "\n" not in str(caught.value)


def test_words_side_by_side_are_one_group_and_operators_split_them() -> None:
    tree = parse("AES + Russia summit")
    assert isinstance(tree, Conjunction)
    first, second = tree.children
    assert isinstance(first, Words)
    assert [w[1] for w in first.words] == ["AES"]
    assert isinstance(second, Words)
    assert [(w[1], w[2]) for w in second.words] == [("Russia", 7), ("summit", 14)]


def test_operators_are_case_insensitive() -> None:
    for query in ("mali or niger", "mali OR niger", "mali | niger", "Mali Or Niger"):
        tree = parse(query)
        assert isinstance(tree, Disjunction), query
    assert isinstance(parse("mali and niger"), Conjunction)
    assert isinstance(parse("mali & niger"), Conjunction)


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    tree = parse("a b OR NOT (c) d")
    assert isinstance(tree, Disjunction)
    left, right = tree.children
    assert isinstance(left, Words)
    assert isinstance(right, Conjunction)
    assert isinstance(right.children[0], Negation)
    assert right.children[0].column == 8


def test_fields_phrases_and_hyphenated_words() -> None:
    tree = parse('actor:"burkina faso" -word:coup "coup d\'État" Guinée-Bissau lang:FR')
    assert isinstance(tree, Conjunction)
    field, negation, phrase, words, lang = tree.children
    assert field == Field("actor", "burkina faso", 1, 8)
    assert isinstance(negation, Negation)
    assert isinstance(negation.child, Field)
    assert negation.child.value == "coup"
    assert phrase == Phrase("coup d'État", 33)
    assert isinstance(words, Words)
    assert words.words[0][1] == "Guinée-Bissau"
    assert lang == Field("lang", "FR", 61, 66)


def test_a_thousand_characters_is_still_accepted() -> None:
    query = " OR ".join(["niger"] * 167)[:1000].rstrip(" OR")
    assert len(query) <= 1000
    assert isinstance(parse(query), Disjunction)
