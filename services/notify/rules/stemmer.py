"""Light stemming of folded words, so a keyword matches its plural and common inflections.

Deliberately light: it strips plural endings and the French feminine ``-e`` and
nothing else, so ``élections`` finds ``élection`` and ``talks`` finds ``talk``
while ``united`` never finds ``unit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

STEMMED_LANGS = frozenset({"fr", "en"})
_MIN_STEM = 3
MAX_CACHED_WORDS = 100_000
"""Article words whose index key is kept per stemming (about 15 MB with the words); past it, a new table."""

_EN_SUFFIXES = (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("s", ""))
_FR_SUFFIXES = (("eaux", "eau"), ("aux", "al"), ("ees", ""), ("ee", ""), ("es", ""), ("s", ""), ("x", ""), ("e", ""))
_EN_KEEP_S = ("ss", "us", "is", "ous")


def _strip(word: str, suffixes: tuple[tuple[str, str], ...]) -> str:
    for suffix, replacement in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) + len(replacement) >= _MIN_STEM:
            return word[: len(word) - len(suffix)] + replacement
    return word


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """Return the light stem of a folded ``word`` in ``lang`` (the word itself for other languages)."""
    if lang == "en":
        return word if word.endswith(_EN_KEEP_S) else _strip(word, _EN_SUFFIXES)
    if lang == "fr":
        return _strip(word, _FR_SUFFIXES)
    return word


def stem_lang(lang: str) -> str:
    """Name the stemming a language gets: itself when stemmed, ``*`` (none) otherwise."""
    return lang if lang in STEMMED_LANGS else "*"


def keyword_keys(word: str) -> tuple[str, ...]:
    """Return the index keys under which a folded keyword can appear, one per stemming."""
    keys = [f"k:{lang}:{stem(word, lang)}" for lang in sorted(STEMMED_LANGS)]
    keys.append(f"k:*:{word}")
    return tuple(keys)


_ARTICLE_KEYS: dict[str, dict[str, str]] = {mode: {} for mode in (*STEMMED_LANGS, "*")}


def article_keyword_key(word: str, lang: str) -> str:
    """Return the index key of a folded article word in an article of language ``lang``."""
    mode = stem_lang(lang)
    return f"k:{mode}:{stem(word, mode)}"


def article_keyword_keys(words: set[str], lang: str) -> Iterator[str]:
    """Yield the index keys of distinct folded article ``words`` in an article of language ``lang``.

    Keys are kept per word and stemming: an article's words are mostly words seen
    before, whose keys then cost one dictionary look-up each instead of a stem and
    an f-string.
    """
    mode = stem_lang(lang)
    table = _ARTICLE_KEYS[mode]
    missing = words.difference(table)
    if missing:
        if len(table) + len(missing) > MAX_CACHED_WORDS:
            # a new table, not clear(): a backtest thread may be reading the old one
            table = _ARTICLE_KEYS[mode] = {}
            missing = words
        unkept = stem.__wrapped__  # article words are kept here, not in stem's own cache
        for word in missing:
            table[word] = f"k:{mode}:{unkept(word, mode)}"
    return map(table.__getitem__, words)


@lru_cache(maxsize=65_536)
def inflections(key: str) -> frozenset[str]:
    """Return every folded word whose article key is ``key`` (``k:fr:election`` -> ``election``, ``elections``...).

    A word reaches a stem by at most one suffix rule, so undoing each rule that fits
    the stem, then keeping the words that really stem back to it, finds them all.
    """
    _, mode, base = key.split(":", 2)
    rules = _EN_SUFFIXES if mode == "en" else _FR_SUFFIXES if mode == "fr" else ()
    candidates = {base} | {base[: len(base) - len(rep)] + suffix for suffix, rep in rules if base.endswith(rep)}
    return frozenset(word for word in candidates if stem(word, mode) == base)
