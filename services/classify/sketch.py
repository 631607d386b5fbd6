"""A similarity sketch of an article: one-permutation MinHash over its lead's content words, cut into bands.

Two reports of the same news share most of their names, numbers and key words in the title
and lead, so the Jaccard similarity of those word sets is high; each band is a pair of
MinHash values, and two articles whose word sets overlap much share several bands.

Each word's hash xor-ed with every mask (its row) is kept for the next articles, so an
article's signature is one least-value reduction over the rows of its content words.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import repeat

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
CACHED_WORDS = 1 << 14
"""Words whose MinHash row is kept (64 values, 512 bytes each: about 10 MB in all); news reuses most of its words."""
_MASKS = np.array(
    [
        int.from_bytes(hashlib.blake2b(f"newsalert-minhash-{i}".encode(), digest_size=8).digest(), "big")
        for i in range(HASHES)
    ],
    dtype=np.uint64,
)
Values = npt.NDArray[np.uint64]
_BAND_PREFIXES = [f"{band}:" for band in range(BANDED // ROWS)]
_BAND_DIGITS = np.array([8 * value + at for value in range(BANDED) for at in range(8 - BAND_BYTES, 8)], dtype=np.intp)
"""Where the bytes of band keys sit in a packed signature: the low ``BAND_BYTES`` of each banded value."""


@dataclass(frozen=True, slots=True)
class Sketch:
    """What story grouping needs of one article: how many content words, the packed signature, its bands."""

    word_count: int
    packed: bytes
    bands: list[str]


def is_content(word: str) -> bool:
    """Whether a flattened word counts for similarity: not a stop word, and long enough or a number."""
    return word not in STOP_WORDS and (len(word) >= MIN_WORD_CHARS or word.isdigit())


def _words(article: Article) -> set[str]:
    """The flattened words of the title and of the first ``LEAD_WORDS`` words of the text."""
    title_chars, text = len(article.title), article.text
    # most leads end well before their last character: flatten a shorter prefix first
    for chars in (LEAD_WORDS * 7, LEAD_WORDS * 12):
        # one flatten for both: it maps character to character, so the title ends where it ended
        flat = flatten(f"{article.title} {text[:chars]}")
        # a split stopped after the lead's words leaves the rest of the text as one last piece
        lead = flat[title_chars + 1 :].split(maxsplit=LEAD_WORDS)
        if len(lead) > LEAD_WORDS or len(text) <= chars:
            break
    del lead[LEAD_WORDS:]
    words = set(lead)
    words.update(flat[:title_chars].split())
    return words


def features(article: Article) -> set[str]:
    """The content words of the title and lead: folded, without stop words or very short words."""
    return set(filter(is_content, _words(article)))


_ROWS: dict[str, bytes] = {}
"""Each word seen lately: its hash xor-ed with each mask (``HASHES`` native uint64) or, if not a content word, b""."""


def _hashed(words: list[str]) -> bytes:
    """Each word's hash xor-ed with each mask: ``HASHES`` native uint64 values per word, in order."""
    digests = b"".join(hashlib.blake2b(word.encode(), digest_size=8).digest() for word in words)
    return (np.frombuffer(digests, dtype=">u8").astype(np.uint64)[:, None] ^ _MASKS).tobytes()


def _learn(words: Collection[str]) -> None:
    """Add the rows of those of ``words`` not in ``_ROWS``: one numpy pass for all of their content words."""
    if len(_ROWS) >= CACHED_WORDS:
        _ROWS.clear()
    new = set(words).difference(_ROWS)
    content = [word for word in new if is_content(word)]
    block, width = _hashed(content), HASHES * 8
    # pairs, not a dict: merging a dict built from a set would leave _ROWS with slower, general keys
    _ROWS.update(zip(new, repeat(b"")))
    _ROWS.update(zip(content, (block[at : at + width] for at in range(0, len(block), width)), strict=True))


def _rows(words: Collection[str]) -> bytes:
    """The rows of the content words among ``words``, one after another."""
    try:
        return b"".join(map(_ROWS.__getitem__, words))
    except KeyError:
        # news reuses its words: most articles find all of theirs already hashed
        _learn(words)
        return b"".join(map(_ROWS.__getitem__, words))


def _least(rows: bytes) -> Values:
    """For each mask, the least of the rows' values."""
    least: Values = np.frombuffer(rows, dtype=np.uint64).reshape(-1, HASHES).min(axis=0)
    return least


def _bands(packed: bytes) -> list[str]:
    """Band keys: band number, then the low ``BAND_BYTES`` of each of its ``ROWS`` values in hex."""
    rows = min(len(packed) // 8, BANDED) // ROWS * ROWS
    kept = np.frombuffer(packed, dtype=np.uint8)[_BAND_DIGITS[: rows * BAND_BYTES]].tobytes()
    return list(map(operator.add, _BAND_PREFIXES, kept.hex(" ", ROWS * BAND_BYTES).split()))


def sketch(article: Article) -> Sketch | None:
    """The sketch of ``article``, or None when it has no content words to compare."""
    # non-content words have empty rows: the join keeps one row per content word
    rows = _rows(_words(article))
    if not rows:
        return None
    packed = _least(rows).astype(">u8").tobytes()
    return Sketch(word_count=len(rows) // (HASHES * 8), packed=packed, bands=_bands(packed))


def signature(words: Iterable[str]) -> tuple[int, ...]:
    """MinHash of ``words``: for each mask, the least word hash xor-ed with it (empty when no words)."""
    words = list(words)
    rows = _rows(words)
    # the cache keeps no rows for stop words and short words: hash any passed here
    odd = [word for word in words if not is_content(word)]
    if odd:
        rows += _hashed(odd)
    values: list[int] = _least(rows).tolist() if rows else []
    return tuple(values)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of the word sets behind two signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def bands(sig: tuple[int, ...]) -> list[str]:
    """Band keys of a signature: band number and a short digest of its rows."""
    return _bands(packed(sig))


def packed(sig: tuple[int, ...]) -> bytes:
    """The signature as 8 bytes per value, the form the story script compares."""
    return np.array(sig, dtype=">u8").tobytes()
