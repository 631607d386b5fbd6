"""Look-arounds of a field: case of the text, context phrases near a span."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.classify.context import Field, uses_both_cases
from services.classify.patterns import Phrases, compiled, padded
from shared.vocabulary import Vocabulary


@pytest.mark.parametrize(
    ("text", "both"),
    [
        ("", False),
        ("le sommet", False),
        ("LE SOMMET", False),
        ("Le sommet", True),
        ("2024", False),
        ("مالي", False),
        ("مالي Bamako", True),
        ("ÉTÉ", False),
        ("ǅ", True),  # a title-case letter is neither lower nor upper case
    ],
)
def test_both_cases(text: str, both: bool) -> None:
    assert uses_both_cases(text) is both


@given(st.text(max_size=40))
def test_both_cases_means_a_capital_and_a_small_letter(text: str) -> None:
    capital = any(c.isupper() or c.istitle() for c in text)
    small = any(c.islower() or (c.istitle() and not c.isupper()) for c in text)
    assert uses_both_cases(text) == (capital and small)


TEXT = "Ils sont arrivés hier au sommet de la montagne."
VETO = TEXT.index("sommet")  # the start of the vocabulary's veto phrase "sommet de la montagne"


@pytest.mark.parametrize(
    ("start", "end", "radius", "near"),
    [
        (VETO, VETO + 6, 0, True),
        (0, 3, VETO - 3, True),  # a phrase after the span counts
        (0, 3, VETO - 4, False),
        (VETO + 10, VETO + 12, 10, True),  # and one before it
        (VETO + 10, VETO + 12, 9, False),
    ],
)
def test_near_finds_a_phrase_start_within_the_radius(
    vocabulary: Vocabulary, start: int, end: int, radius: int, near: bool
) -> None:
    fld = Field("text", TEXT, compiled(vocabulary))
    keys = padded(("sommet de la montagne", "pas dans ce texte"))
    assert fld.context_hits()[" sommet de la montagne "] == [VETO]
    assert fld.near(start, end, keys, radius) is near
    assert fld.near(start, end, keys, radius) is near  # the second answer comes from the cached starts


NEIGHBOURS = "Le fleuve, Niger  coule vers le delta du Niger."


@pytest.mark.parametrize(
    ("start", "end", "before", "after"),
    [
        (NEIGHBOURS.index("Niger"), NEIGHBOURS.index("Niger") + 5, "fleuve", "coule"),  # punctuation and spaces
        (0, 2, "", "fleuve"),  # the start of the field
        (NEIGHBOURS.rindex("Niger"), NEIGHBOURS.rindex("Niger") + 5, "du", ""),  # the end: only a full stop follows
    ],
)
def test_the_word_before_and_after_a_span_skip_spaces_and_punctuation(
    vocabulary: Vocabulary, start: int, end: int, before: str, after: str
) -> None:
    fld = Field("text", NEIGHBOURS, compiled(vocabulary))
    assert fld.word_before(start) == before
    assert fld.word_after(end) == after


@pytest.mark.parametrize(
    ("phrases", "preceded", "followed"),
    [
        ((("fleuve",),), True, False),
        ((("le", "fleuve"),), True, False),  # a phrase of two words ends on the word before
        ((("coule",), ("coule", "vers")), False, True),
        ((("la", "fleuve"), ("riviere",)), False, False),  # the last word matches, the phrase does not
        ((), False, False),
    ],
)
def test_phrases_next_to_a_span_are_found_by_their_words(
    vocabulary: Vocabulary, phrases: tuple[tuple[str, ...], ...], preceded: bool, followed: bool
) -> None:
    fld = Field("text", NEIGHBOURS, compiled(vocabulary))
    start = NEIGHBOURS.index("Niger")
    assert fld.preceded_by(start, Phrases(phrases)) is preceded
    assert fld.followed_by(start + 5, Phrases(phrases)) is followed


@given(st.text(alphabet="ab ,.-", max_size=23), st.integers(min_value=0, max_value=23))
def test_the_word_before_is_the_last_of_the_words_before(text: str, start: int) -> None:
    # shorter than the 24 characters words_before reads per word, which would cut a longer word
    fld = Field("text", text, compiled(Vocabulary(entries={})))
    start = min(start, len(text))
    words = fld.words_before(start, 1)
    assert fld.word_before(start) == (words[-1] if words else "")
