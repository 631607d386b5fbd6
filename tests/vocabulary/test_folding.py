"""Folding and tokens: what the tagger and the rule compiler agree a word is."""

from __future__ import annotations

import pytest

from shared.vocabulary import fold, folding, tokens
from shared.vocabulary.folding import flatten, key, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Côte d’Ivoire", "cote d'ivoire"),
        ("BURKINABÈ", "burkinabe"),
        ("russo‑burkinabè", "russo-burkinabe"),
        ("Sergueï — Lavrov", "serguei - lavrov"),
        ("İstanbul", "istanbul"),
        ("Goïta", "goita"),
    ],
)
def test_fold_lowercases_strips_accents_and_normalises_punctuation(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize("text", ["Côte d’Ivoire", "l'AES — Niamey\u00a0!", "Œuvre « française »", "مالي"])
def test_flatten_keeps_every_offset(text: str) -> None:
    assert len(flatten(text)) == len(text)


def test_tokens_drop_french_elision_and_english_possessive() -> None:
    found = tokens("l’AES, d'Abuja, qu’Abidjan et Russia's")
    assert [t.folded for t in found] == ["aes", "abuja", "abidjan", "et", "russia"]


def test_token_offsets_point_into_the_original_string() -> None:
    text = "Le sommet de l’AES à Niamey"
    for token in tokens(text):
        assert fold(text[token.start : token.end]) == token.folded


def test_tokens_split_compounds_and_mark_the_hyphen() -> None:
    found = tokens("russo-burkinabè")
    assert [(t.folded, t.hyphen_after) for t in found] == [("russo", True), ("burkinabe", False)]


def test_words_and_keys_agree_on_apostrophes_and_dashes() -> None:
    assert words("Côte-d’Ivoire") == words("Côte d'Ivoire") == ("cote", "ivoire")
    assert key("Côte-d’Ivoire") == key("cote d'ivoire") == "cote d ivoire"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01\ufffd", "’’’---"])
def test_tokens_of_empty_or_garbage_text_are_empty(text: str) -> None:
    assert tokens(text) == []


def _every_char_text() -> str:
    """Every code point of the BMP (lone surrogates included, some side by side) and a few beyond, in one string."""
    return "".join(chr(c) for c in range(0x10000)) + "\U0001f600 \U00010400 \uffff"


def test_long_text_folds_and_flattens_as_the_per_character_tables_do() -> None:
    text = _every_char_text()
    assert len(text) >= folding._ARRAY_MIN_CHARS
    assert folding.fold(text) == folding.MARKS.sub("", text.translate(folding._FOLD))
    assert flatten(text) == text.translate(folding._FLAT)


@pytest.mark.parametrize("text", ["\ud83d\ude00", "a\ud800\udc00b" * 100, "\U0001f600é" * 200, "\udfff\ud800" * 300])
def test_surrogates_and_characters_beyond_the_bmp_keep_their_count(text: str) -> None:
    assert flatten(text) == text.translate(folding._FLAT)
    assert len(flatten(text)) == len(text)


@pytest.mark.parametrize("length", [0, 1, 255, 256, 257, 4_000])
@pytest.mark.parametrize(
    "line",
    [
        "Le sommet de l’AES à Niamey — Œuvre « française », d’Abuja ПРИВЕТ مالي İstanbul\u00a0! ",
        "The AES summit in Niamey: Mali, Burkina Faso and Niger's leaders meet. ",
        "Élysée, Ouagadougou : l’armée « nigérienne » — réunion à Niamey. ",
    ],
    ids=["non-ascii", "ascii", "folds-to-ascii"],
)
def test_fold_and_flatten_are_the_per_character_tables_at_any_length(length: int, line: str) -> None:
    sample = (line * 60)[:length]
    assert flatten(sample) == sample.translate(folding._FLAT)
    assert fold(sample) == folding.MARKS.sub("", sample.translate(folding._FOLD))
