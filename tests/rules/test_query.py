"""Compiling queries: segmentation into aliases, forced kinds, and every refusal with its column."""

from __future__ import annotations

import contextlib
import gc
import weakref

import pytest

from services.notify.rules.query import And, Compiler, Not, Or, Term, compile_query
from shared.errors import QueryError
from shared.vocabulary import Vocabulary


def kinds(compiler: Compiler, text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.ref) for t in compiler.compile(text).terms]


def test_readme_example_segments_into_actors_and_a_topic(compiler: Compiler) -> None:
    terms = kinds(compiler, "AES + Russia summit")
    assert ("actor", "aes") in terms
    assert ("actor", "russia") in terms
    assert ("topic", "summit") in terms
    assert all(kind != "keyword" for kind, _ in terms)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Burkina Faso", [("actor", "burkina-faso")]),
        ("Ibrahim Traoré", [("actor", "ibrahim-traore")]),
        ("ibrahim traore", [("actor", "ibrahim-traore")]),
        ("Burkina Faso summit", [("actor", "burkina-faso"), ("topic", "summit")]),
        ("sommet Niamey criquets", [("topic", "summit"), ("actor", "niger"), ("keyword", "criquets")]),
        ("sommet Niamey uranium", [("topic", "summit"), ("actor", "niger"), ("keyword", "uranium")]),
        ("mining Niamey", [("topic", "mining"), ("actor", "niger")]),
        ('"coup d\'État"', [("topic", "coup")]),
        ('"ordre du jour"', [("phrase", "ordre du jour")]),
        ("word:Russia", [("keyword", "russia")]),
        ("actor:russia", [("actor", "russia")]),
        ("topic:election", [("topic", "election")]),
        ("lang:FR criquets", [("lang", "fr"), ("keyword", "criquets")]),
        ("source:www.Example.com criquets", [("source", "example.com"), ("keyword", "criquets")]),
    ],
)
def test_words_resolve_to_the_longest_alias_else_keywords(
    compiler: Compiler, query: str, expected: list[tuple[str, str]]
) -> None:
    assert kinds(compiler, query) == expected


def test_operators_build_the_expected_tree(compiler: Compiler) -> None:
    root = compiler.compile("(Mali OR Niger) criquets -France").root
    assert isinstance(root, And)
    either, keyword, excluded = root.children
    assert isinstance(either, Or)
    assert [t.ref for t in either.children if isinstance(t, Term)] == ["mali", "niger"]
    assert isinstance(keyword, Term)
    assert keyword.kind == "keyword"
    assert isinstance(excluded, Not)
    assert isinstance(excluded.child, Term)
    assert excluded.child.ref == "france"


def test_minus_before_bare_words_excludes_only_the_first_alias(compiler: Compiler) -> None:
    root = compiler.compile("-Burkina Faso sommet").root
    assert isinstance(root, And)
    excluded, kept = root.children
    assert isinstance(excluded, Not)
    assert isinstance(excluded.child, Term)
    assert excluded.child.ref == "burkina-faso"
    assert isinstance(kept, Term)
    assert kept.ref == "summit"


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("Niger AND", 7, "dangling operator"),
        ("(Niger OR Mali", 1, "never closed"),
        ("Niger OR Mali)", 14, "no matching"),
        ("country:niger", 1, "unknown field 'country'"),
        ("criquets actor:rusia-federation", 16, "unknown actor id"),
        ("topic:elektions", 7, "unknown topic id"),
        ("topic:russia", 7, "unknown topic id"),
        ("NOT Niger", 1, "only match by negation"),
        ("-Niger -Mali", 1, "only match by negation"),
        ("criquets OR -Mali", 13, "only match by negation"),
        ("lang:french Niger", 6, "language code"),
        ("source:not_a_domain Niger", 8, "domain"),
        ("Niger " + "x" * 995, 1001, "longer than 1000 characters"),
        (" ".join(f"w{i}" for i in range(65)), 1 + sum(len(f"w{i} ") for i in range(64)), "more than 64 terms"),
    ],
)
def test_refusals_name_the_column(compiler: Compiler, query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        compiler.compile(query)
    assert caught.value.column == column, caught.value
    assert message in caught.value.message


def test_unknown_ids_come_with_the_closest_known_ids(compiler: Compiler) -> None:
    with pytest.raises(QueryError) as caught:
        compiler.compile("actor:burkina-fasso")
    assert "did you mean" in caught.value.message
    assert "burkina-faso" in caught.value.message
    with pytest.raises(QueryError) as caught:
        compiler.compile("topic:sumit")
    assert "summit" in caught.value.message


def test_a_remembered_error_is_reported_at_each_query_own_column(compiler: Compiler) -> None:
    for prefix in ("", "Niger ", "Niger criquets "):
        with pytest.raises(QueryError) as caught:
            compiler.compile(prefix + "actor:nowhere-land")
        assert caught.value.column == len(prefix) + 7


def test_sixty_four_terms_are_accepted(compiler: Compiler) -> None:
    query = " ".join(f"w{i}" for i in range(64))
    assert len(compiler.compile(query).terms) == 64


def test_no_pattern_syntax_is_interpreted(compiler: Compiler) -> None:
    terms = compiler.compile("word:ura.*um").terms
    assert [t.kind for t in terms] == ["phrase"]
    assert terms[0].words == ("ura", "um")


def test_compile_query_is_the_same_as_a_compiler(vocabulary: Vocabulary, compiler: Compiler) -> None:
    text = "AES + Russia summit -criquets"
    assert [t.ref for t in compile_query(text, vocabulary).terms] == [t.ref for t in compiler.compile(text).terms]


def test_a_discarded_compiler_is_freed_without_the_cycle_collector(vocabulary: Vocabulary) -> None:
    compiler = Compiler(vocabulary)
    for text in ("actor:mali (topic:coup OR word:uranium) -actor:france", "Burkina Faso summit", "actor:nowhere"):
        with contextlib.suppress(QueryError):
            compiler.compile(text)
    gone = weakref.ref(compiler)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del compiler
        assert gone() is None
    finally:
        if was_enabled:
            gc.enable()
