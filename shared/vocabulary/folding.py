"""Text folding shared by the tagger and the rule compiler, so both see the same words.

Folding is one character to one character (lowercase, accents stripped, apostrophes and
dashes normalised), which keeps every offset in the folded text equal to the offset in
the original: evidence can point at the reader's text without a mapping table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

APOSTROPHES = "'’‘`´ʼ′ʹ"
DASHES = "-‐‑‒–—―−﹘﹣－"
ELIDED = frozenset({"l", "d", "j", "m", "n", "s", "t", "c", "qu", "lorsqu", "puisqu", "jusqu", "quoiqu"})
"""French words that lose their vowel before an apostrophe (l'AES, d'Abuja, qu'il)."""

_TABLE_END = 0x3000
_ARRAY_MIN_CHARS = 256
"""Below this length ``str.translate`` is quicker than the array look-up (its fixed cost is ~10 µs)."""


def _fold_char(char: str) -> str:
    if char in APOSTROPHES:
        return "'"
    if char in DASHES:
        return "-"
    if char.isspace():
        return " "
    stripped = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    lowered = stripped.lower()
    if len(lowered) == 1:
        return lowered
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def _build_tables() -> tuple[dict[int, str], dict[int, str]]:
    fold_table: dict[int, str] = {}
    flat_table: dict[int, str] = {}
    for code in range(_TABLE_END):
        char = chr(code)
        if unicodedata.combining(char):
            continue
        folded = _fold_char(char)
        if folded != char:
            fold_table[code] = folded
        if not (folded.isalnum() or unicodedata.combining(folded)):
            flat_table[code] = " "
        elif folded != char:
            flat_table[code] = folded
    return fold_table, flat_table


def _as_array(table: dict[int, str]) -> npt.NDArray[np.uint16]:
    """The table as UTF-16 code unit to code unit: every unit present, units from ``_TABLE_END`` up
    (surrogates included) mapped to themselves."""
    array = np.arange(1 << 16, dtype=np.uint16)
    for code, char in table.items():
        array[code] = ord(char)
    return array


def _as_ascii(array: npt.NDArray[np.uint16]) -> npt.NDArray[np.uint8]:
    """The table's ASCII outputs as bytes; every unit that maps to anything else gives 0xFF, which ASCII refuses."""
    return np.where(array < 0x80, array, 0xFF).astype(np.uint8)


def _translate(
    text: str, table: dict[int, str], array: npt.NDArray[np.uint16], ascii_array: npt.NDArray[np.uint8]
) -> str:
    """``text.translate(table)`` for a one-to-one table below ``_TABLE_END``, as one array look-up.

    ``str.translate`` looks every character up in a dict once the text is not pure ASCII (any
    accent or curly apostrophe): ~0.1 µs a character. UTF-16 code units through an array cost
    a fixed ~10 µs and almost nothing per character. Most French and English news folds to
    ASCII: that result is read back as ASCII, quicker than as UTF-16; otherwise a character
    above the BMP is a surrogate pair, both halves kept as they are.
    """
    if len(text) < _ARRAY_MIN_CHARS and text.isascii():
        return text.translate(table)
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    try:
        # every code unit is in the table: "wrap" only spares numpy its bounds check
        return ascii_array.take(units, mode="wrap").tobytes().decode("ascii")
    except UnicodeDecodeError:
        pass
    mapped = array.take(units).tobytes().decode("utf-16-le", "surrogatepass")
    if len(mapped) != len(text):
        # lone surrogates side by side in the input decode back as one character: keep their count
        return text.translate(table)
    return mapped


_FOLD, _FLAT = _build_tables()
_FOLD_ARRAY, _FLAT_ARRAY = _as_array(_FOLD), _as_array(_FLAT)
_FOLD_ASCII, _FLAT_ASCII = _as_ascii(_FOLD_ARRAY), _as_ascii(_FLAT_ARRAY)
# Combining marks that fold() strips and tokens() strips from words (facts.py finds words by them too).
MARKS = re.compile(r"[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_WORD = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f\u064b-\u065f\u0670])*")


def fold(text: str) -> str:
    """Lowercase ``text``, strip its accents and normalise apostrophes, dashes and spaces."""
    folded = _translate(text, _FOLD, _FOLD_ARRAY, _FOLD_ASCII)
    return MARKS.sub("", folded) if MARKS.search(folded) else folded


def flatten(text: str) -> str:
    """Fold ``text`` and turn every non-word character into a space, keeping its length.

    Combining marks of decomposed input are kept in place (they only occur in rare, NFD
    text); words then fail to match rather than match at a shifted offset.
    """
    return _translate(text, _FLAT, _FLAT_ARRAY, _FLAT_ASCII)


@dataclass(frozen=True, slots=True)
class Token:
    """A folded word and where it sits in the original string."""

    folded: str
    start: int
    end: int
    hyphen_after: bool = False


def _is_elision(word: str, original: str, end: int) -> bool:
    return word in ELIDED and end + 1 < len(original) and original[end] in APOSTROPHES and original[end + 1].isalpha()


def tokens(text: str) -> list[Token]:
    """Split ``text`` into folded words with offsets in ``text``.

    French elisions are dropped (``l'AES`` gives ``aes``), and so is the English
    possessive ``'s`` (``Russia's`` gives ``russia``).
    """
    folded = _translate(text, _FOLD, _FOLD_ARRAY, _FOLD_ASCII)
    result: list[Token] = []
    for match in _WORD.finditer(folded):
        word = match.group()
        start, end = match.span()
        if _is_elision(word, text, end):
            continue
        if word == "s" and start > 0 and text[start - 1] in APOSTROPHES and start > 1 and text[start - 2].isalnum():
            continue
        if MARKS.search(word):
            word = MARKS.sub("", word)
        result.append(Token(word, start, end, end < len(text) and text[end] in DASHES))
    return result


@lru_cache(maxsize=65_536)
def words(phrase: str) -> tuple[str, ...]:
    """Return the folded words of ``phrase`` without elisions, as the rule compiler keys them."""
    return tuple(token.folded for token in tokens(phrase))


def key(phrase: str) -> str:
    """Return the match key of ``phrase``: its folded words joined by single spaces, elisions kept."""
    return " ".join(_WORD.findall(fold(phrase)))
