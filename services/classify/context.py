"""A field of an article prepared for matching, and the look-arounds the tagger's rules use."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from services.classify.boilerplate import Boilerplate, find_boilerplate
from services.classify.patterns import ByLength, Hit, Patterns
from shared.models import TextField
from shared.vocabulary.folding import DASHES, flatten

_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][\w'’\-]*)")
_TITLE_CASE_SHARE = 0.6
_CASE_SAMPLE_CHARS = 2_000


def uses_both_cases(text: str) -> bool:
    """Whether ``text`` has both an upper-case and a lower-case letter."""
    # str.islower() holds when no cased character is upper case and one is lower case: with a lower-case
    # letter appended, only "no upper-case letter" is left to check, and the scan stops at the first one
    return not (text + "a").islower() and not (text + "A").isupper()


@dataclass(slots=True)
class Field:
    """One field of an article: original text, padded flat text and its boilerplate spans."""

    name: TextField
    text: str
    patterns: Patterns
    flat: str = ""
    boilerplate: Boilerplate = field(default_factory=Boilerplate)
    title_case: bool = False
    mixed_case: bool = True
    """Whether the field uses both cases: an all-caps headline or lowercase text says nothing by its case."""
    hits: list[Hit] = field(default_factory=list)
    """Every alias and cue key found in the field, in the order their matches end."""
    _context: dict[str, list[int]] = field(default_factory=dict)
    _starts: dict[frozenset[str], list[int]] = field(default_factory=dict)
    """Per set of context phrases asked about, where any of them starts, sorted: cues ask about the same sets."""

    def __post_init__(self) -> None:
        self.flat = f" {flatten(self.text)} "
        self.hits, self._context = self.patterns.scan(self.flat)
        self.mixed_case = uses_both_cases(self.text[:_CASE_SAMPLE_CHARS])
        if self.name == "text":
            self.boilerplate = find_boilerplate(self.text)
        else:
            words = self.text.split()
            capitalised = sum(1 for w in words if w[:1].isupper())
            self.title_case = len(words) >= 3 and capitalised >= _TITLE_CASE_SHARE * len(words)

    def words_before(self, start: int, count: int) -> list[str]:
        """Up to ``count`` folded words right before offset ``start``."""
        return self.flat[max(0, start + 1 - 24 * count) : start + 1].split()[-count:]

    def words_after(self, end: int, count: int) -> list[str]:
        """Up to ``count`` folded words right after offset ``end``."""
        return self.flat[end + 1 : end + 1 + 24 * count].split()[:count]

    def preceded_by(self, start: int, phrases: ByLength) -> bool:
        """Whether one of the phrases ends right before ``start``."""
        if not phrases:
            return False
        before = tuple(self.words_before(start, phrases[-1][0]))
        # before[-n:] is shorter than n when too few words precede, so it matches no phrase of n words
        return any(before[-n:] in group for n, group in phrases)

    def followed_by(self, end: int, phrases: ByLength) -> bool:
        """Whether one of the phrases starts right after ``end``."""
        if not phrases:
            return False
        after = tuple(self.words_after(end, phrases[-1][0]))
        return any(after[:n] in group for n, group in phrases)

    def context_hits(self) -> dict[str, list[int]]:
        """Where each context phrase of the vocabulary occurs in this field: padded key to starts."""
        return self._context

    def near(self, start: int, end: int, padded_keys: frozenset[str], radius: int) -> bool:
        """Whether one of the context phrases (padded keys) starts within ``radius`` characters of the span."""
        starts = self._starts.get(padded_keys)
        if starts is None:
            found = self._context
            starts = sorted(at for phrase_key in found.keys() & padded_keys for at in found[phrase_key])
            self._starts[padded_keys] = starts
        at = bisect_left(starts, start - radius)
        return at < len(starts) and starts[at] <= end + radius

    def hyphen_after(self, end: int) -> bool:
        """Whether a dash follows the span directly (russo-burkinabè)."""
        return end < len(self.text) and self.text[end] in DASHES

    def capitalised_next(self, end: int) -> bool:
        """Whether a capitalised, non-acronym word follows: a name's surname after a given name."""
        match = _NEXT_WORD.match(self.text, end)
        if match is None:
            return False
        word = match.group(1)
        return word[0].isupper() and not word.isupper()
