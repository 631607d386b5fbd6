"""Language of an article: a stop-word vote for French and English, py3langid for the rest."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any, Final

from shared.vocabulary.folding import flatten

UNDETERMINED: Final = "und"
LANGUAGES: Final = (
    "fr", "en", "es", "pt", "ar", "de", "it", "nl", "ru", "uk", "pl", "tr", "zh", "ja", "ko", "fa", "he", "hi",
    "el", "sv", "ro", "cs", "hu", "id", "sw", "ha", "yo", "am", "vi", "ms", "da", "fi",
)  # fmt: skip
"""Languages the detector may answer: French and English, and every language the vocabulary has CLDR names in."""
_SCRIPTS: Final = {
    "ar": ("ARABIC",), "fa": ("ARABIC",), "he": ("HEBREW",), "ru": ("CYRILLIC",), "uk": ("CYRILLIC",),
    "el": ("GREEK",), "hi": ("DEVANAGARI",), "am": ("ETHIOPIC",), "zh": ("CJK",),
    "ja": ("CJK", "HIRAGANA", "KATAKANA"), "ko": ("HANGUL",),
}  # fmt: skip
"""Scripts of the languages not written in Latin letters: a detection in the wrong script is noise."""
SAMPLE_CHARS: Final = 400
MIN_CONFIDENCE: Final = 0.2
MIN_STOP_SHARE: Final = 0.2
"""French or English prose has at least one stop word in five words; Spanish sharing "de" does not."""

_STOP: Final = {
    "fr": frozenset((
        "apres", "au", "aussi", "aux", "avait", "avant", "avec", "ce", "ces", "cette", "chez", "contre", "d",
        "dans", "de", "deja", "depuis", "des", "dont", "du", "elle", "elles", "encore", "entre", "est", "et",
        "etait", "ete", "fait", "il", "ils", "l", "la", "le", "les", "leur", "leurs", "lors", "mais", "ne",
        "ont", "ou", "par", "pas", "plus", "pour", "qu", "que", "qui", "sa", "sans", "se", "selon", "ses",
        "son", "sont", "sous", "sur", "tres", "un", "une", "vers",
    )),
    "en": frozenset((
        "after", "also", "an", "and", "are", "as", "at", "be", "been", "before", "between", "but", "by", "for",
        "from", "had", "has", "have", "he", "her", "his", "in", "into", "is", "it", "its", "not", "of", "or",
        "over", "said", "says", "she", "than", "that", "the", "their", "these", "they", "this", "those", "to",
        "under", "was", "were", "which", "who", "will", "with", "without", "would",
    )),
}  # fmt: skip
_WORD: Final = re.compile(r"[^\W\d_]+")
MIN_LETTERS: Final = 4
_ENOUGH_LETTERS: Final = re.compile(rf"[^\W\d_](?:[\W\d_]*[^\W\d_]){{{MIN_LETTERS - 1}}}")
"""Matches once a text has ``MIN_LETTERS`` letters (without counting every letter of the sample)."""
STOP_WORDS: Final[frozenset[str]] = frozenset().union(*_STOP.values())
"""French and English stop words, folded."""


@lru_cache(maxsize=1)
def identifier() -> Any:
    """The py3langid identifier restricted to :data:`LANGUAGES`, loaded once (about a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def stop_word_vote(flat: str) -> str | None:
    """French or English when their stop words clearly outnumber the other's in ``flat`` (a flattened
    sample: words as the tagger sees them, folded and split at every non-word character), else None."""
    french, english = _STOP["fr"], _STOP["en"]
    words = fr = en = 0
    for word in flat.split():
        if word.isdigit():
            continue
        words += 1
        fr += word in french
        en += word in english
    best, top, second = ("fr", fr, en) if fr >= en else ("en", en, fr)
    if top >= 2 and top >= 2 * second + 1 and top >= MIN_STOP_SHARE * words:
        return best
    return None


def detect(title: str, text: str, flat_sample: str | None = None) -> str:
    """Return the ISO 639-1 code of the article's language, or ``und`` when it cannot tell.

    ``flat_sample``, when the caller has it, is the title and the first ``SAMPLE_CHARS`` characters
    of the text already flattened, with a space between them.
    """
    sample = f"{title}\n{text[:SAMPLE_CHARS]}"
    if _ENOUGH_LETTERS.search(sample, 0, SAMPLE_CHARS) is None:
        return UNDETERMINED
    voted = stop_word_vote(flat_sample if flat_sample is not None else flatten(sample))
    if voted is not None:
        return voted
    lang, confidence = identifier().classify(sample)
    if confidence < MIN_CONFIDENCE or dominant_script(sample) not in _SCRIPTS.get(str(lang), ("LATIN",)):
        return UNDETERMINED
    return str(lang)


_LATIN_END: Final = "\u0250"
"""Letters below this code point (ASCII, Latin-1, Latin Extended-A and -B) are all Latin script."""


def dominant_script(sample: str) -> str:
    """The Unicode script most letters of ``sample`` are written in (LATIN, ARABIC, CJK, RUNIC...)."""
    letters = "".join(_WORD.findall(sample[:SAMPLE_CHARS]))
    if not letters:
        return "UNKNOWN"
    if max(letters) < _LATIN_END:  # most news: no need to name every letter
        return "LATIN"
    scripts = Counter(unicodedata.name(c, "UNKNOWN").split()[0] for c in sample[:SAMPLE_CHARS] if c.isalpha())
    return scripts.most_common(1)[0][0] if scripts else "UNKNOWN"


def primary(lang: str | None) -> str:
    """The primary subtag of a language tag: ``fr-FR`` gives ``fr``."""
    return (lang or UNDETERMINED).split("-")[0].split("_")[0].lower()
