"""A similarity sketch of an article: one-permutation MinHash over its lead's content words, cut into bands.

Two reports of the same news share most of their names, numbers and key words in the title
and lead, so the Jaccard similarity of those word sets is high; each band is a pair of
MinHash values, and two articles whose word sets overlap much share several bands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

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
_BAND_BITS = (1 << 40) - 1
_MASKS = np.array(
    [
        int.from_bytes(hashlib.blake2b(f"newsalert-minhash-{i}".encode(), digest_size=8).digest(), "big")
        for i in range(HASHES)
    ],
    dtype=np.uint64,
)


@lru_cache(maxsize=1 << 16)
def _hash(word: str) -> int:
    # news reuses its words: most of an article's words were hashed for an earlier one
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")


def features(article: Article) -> set[str]:
    """The content words of the title and lead: folded, without stop words or very short words."""
    words = flatten(article.title).split() + flatten(article.text[: LEAD_WORDS * 12]).split()[:LEAD_WORDS]
    return {w for w in set(words).difference(STOP_WORDS) if len(w) >= MIN_WORD_CHARS or w.isdigit()}


def signature(words: Iterable[str]) -> tuple[int, ...]:
    """MinHash of ``words``: for each mask, the least word hash xor-ed with it (empty when no words)."""
    hashes = np.array([_hash(w) for w in words], dtype=np.uint64)
    if not hashes.size:
        return ()
    least: list[int] = np.bitwise_xor.outer(hashes, _MASKS).min(axis=0).tolist()
    return tuple(least)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the word sets behind two signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def bands(sig: tuple[int, ...]) -> list[str]:
    """Band keys of a signature: band number and a short digest of its rows."""
    rows = [f"{v & _BAND_BITS:010x}" for v in sig[:BANDED]]
    return [
        f"{band}:" + "".join(rows[band * ROWS : (band + 1) * ROWS]) for band in range(min(len(sig), BANDED) // ROWS)
    ]


def packed(sig: tuple[int, ...]) -> bytes:
    """The signature as 8 bytes per value, the form the story script compares."""
    return np.array(sig, dtype=">u8").tobytes()
