"""A similarity sketch of an article: one-permutation MinHash over its lead's content words, cut into bands.

Two reports of the same news share most of their names, numbers and key words in the title
and lead, so the Jaccard similarity of those word sets is high; each band is a pair of
MinHash values, and two articles whose word sets overlap much share several bands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from services.classify.language import STOP_WORDS
from shared.models import Article
from shared.vocabulary.folding import flatten

LEAD_WORDS = 120
"""Words of the text read after the title: the lead carries the news; later paragraphs drift."""
HASHES = 64
"""MinHash values per article, all used to estimate similarity."""
BANDED = 32
"""The first values, cut into bands of ``ROWS`` to find candidates."""
ROWS = 2
MIN_WORD_CHARS = 3
BAND_BYTES = 5
"""Bytes of each value a band key keeps: its low 40 bits, as 10 hex digits."""
_MASKS = np.array(
    [
        int.from_bytes(hashlib.blake2b(f"newsalert-minhash-{i}".encode(), digest_size=8).digest(), "big")
        for i in range(HASHES)
    ],
    dtype=np.uint64,
)

Values = npt.NDArray[np.uint64]


@dataclass(frozen=True, slots=True)
class Sketch:
    """What story grouping needs of one article: how many content words, the packed signature, its bands."""

    word_count: int
    packed: bytes
    bands: list[str]


@lru_cache(maxsize=1 << 16)
def _hash(word: str) -> int:
    # news reuses its words: most of an article's words were hashed for an earlier one
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def features(article: Article) -> set[str]:
    """The content words of the title and lead: folded, without stop words or very short words."""
    # one flatten for both: it maps character to character, so the title ends where it ended
    title_chars = len(article.title)
    flat = flatten(f"{article.title} {article.text[: LEAD_WORDS * 12]}")
    # a split stopped after the lead's words leaves the rest of the text as one last piece
    lead = flat[title_chars + 1 :].split(maxsplit=LEAD_WORDS)[:LEAD_WORDS]
    words = {*flat[:title_chars].split(), *lead}
    return {w for w in words.difference(STOP_WORDS) if len(w) >= MIN_WORD_CHARS or w.isdigit()}


def _least(words: Collection[str]) -> Values:
    """For each mask, the least word hash xor-ed with it (no values when no words)."""
    hashes = np.fromiter(map(_hash, words), dtype=np.uint64, count=len(words))
    if not hashes.size:
        return hashes
    least: Values = np.bitwise_xor.outer(hashes, _MASKS).min(axis=0)
    return least


def _bands(least: Values) -> list[str]:
    """Band keys: band number, then the low ``BAND_BYTES`` of each of its ``ROWS`` values in hex."""
    rows = min(len(least), BANDED) // ROWS * ROWS
    digits = least[:rows].astype(">u8").view(np.uint8).reshape(rows, 8)[:, 8 - BAND_BYTES :].tobytes().hex()
    width = ROWS * BAND_BYTES * 2
    return [f"{band}:{digits[at : at + width]}" for band, at in enumerate(range(0, len(digits), width))]


def sketch(article: Article) -> Sketch | None:
    """The sketch of ``article``, or None when it has no content words to compare."""
    words = features(article)
    least = _least(words)
    if not least.size:
        return None
    return Sketch(word_count=len(words), packed=least.astype(">u8").tobytes(), bands=_bands(least))


def signature(words: Iterable[str]) -> tuple[int, ...]:
    """MinHash of ``words``: for each mask, the least word hash xor-ed with it (empty when no words)."""
    values: list[int] = _least(list(words)).tolist()
    return tuple(values)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the word sets behind two signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def bands(sig: tuple[int, ...]) -> list[str]:
    """Band keys of a signature: band number and a short digest of its rows."""
    return _bands(np.array(sig, dtype=np.uint64))


def packed(sig: tuple[int, ...]) -> bytes:
    """The signature as 8 bytes per value, the form the story script compares."""
    return np.array(sig, dtype=">u8").tobytes()
