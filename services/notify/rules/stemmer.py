"""Light stemming of folded words, so a keyword matches its plural and common inflections.

Deliberately light: it strips plural endings and the French feminine ``-e`` and
nothing else, so ``élections`` finds ``élection`` and ``talks`` finds ``talk``
while ``united`` never finds ``unit``.
"""

from __future__ import annotations

from functools import lru_cache

STEMMED_LANGS = frozenset({"fr", "en"})
_MIN_STEM = 3

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


def article_keyword_key(word: str, lang: str) -> str:
    """Return the index key of a folded article word in an article of language ``lang``."""
    mode = stem_lang(lang)
    return f"k:{mode}:{stem(word, mode)}"
