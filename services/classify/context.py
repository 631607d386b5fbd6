"""A field of an article prepared for matching, and the look-arounds the tagger's rules use."""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Final

from services.classify.boilerplate import Boilerplate, find_boilerplate
from services.classify.patterns import Hit, Patterns, Phrases
from shared.models import TextField
from shared.vocabulary.folding import DASHES, flatten

_NEXT_WORD: Final = re.compile(r"[ \t]+([^\W\d_][\w'’\-]*)")
_TITLE_CASE_SHARE: Final = 0.6
_CASE_SAMPLE_CHARS: Final = 2_000


def uses_both_cases(text: str) -> bool:
    """Whether ``text`` has both an upper-case and a lower-case letter."""
    # str.islower() holds when no cased character is upper case and one is lower case: with a lower-case
    # letter appended, only "no upper-case letter" is left to check, and the scan stops at the first one
    return not (text + "a").islower() and not (text + "A").isupper()


class Field:
    """One field of an article: original text, padded flat text and its boilerplate spans, scanned once.

    ``mixed_case`` says whether the field uses both cases (an all-caps headline or lowercase
    text says nothing by its case); ``hits`` holds every alias and cue key found in the field,
    in the order their matches end.
    """

    # a plain class, not a dataclass: mypyc builds it natively
    __slots__ = ("_context", "_starts", "boilerplate", "flat", "hits", "mixed_case", "name", "text", "title_case")

    def __init__(self, name: TextField, text: str, patterns: Patterns) -> None:
        self.name: TextField = name
        self.text = text
        self.flat = f" {flatten(text)} "
        self.hits: list[Hit]
        self._context: dict[str, list[int]]
        self.hits, self._context = patterns.scan(self.flat)
        # per set of context phrases asked about, where any of them starts, sorted: cues ask about the same sets
        self._starts: dict[frozenset[str], list[int]] = {}
        self.mixed_case = uses_both_cases(text[:_CASE_SAMPLE_CHARS])
        self.title_case = False
        self.boilerplate = Boilerplate()
        if name == "text":
            self.boilerplate = find_boilerplate(text)
        else:
            words = text.split()
            capitalised = sum(1 for w in words if w[:1].isupper())
            self.title_case = len(words) >= 3 and capitalised >= _TITLE_CASE_SHARE * len(words)

    def words_before(self, start: int, count: int) -> list[str]:
        """Up to ``count`` folded words right before offset ``start``."""
        return self.flat[max(0, start + 1 - 24 * count) : start + 1].split()[-count:]

    def words_after(self, end: int, count: int) -> list[str]:
        """Up to ``count`` folded words right after offset ``end``."""
        return self.flat[end + 1 : end + 1 + 24 * count].split()[:count]

    def word_before(self, start: int) -> str:
        """The folded word right before offset ``start`` ("" at the start of the field)."""
        flat, end = self.flat, start  # flat[start] is the character before the span
        while end >= 0 and flat[end] == " ":
            end -= 1
        return flat[flat.rfind(" ", 0, end) + 1 : end + 1]

    def word_after(self, end: int) -> str:
        """The folded word right after offset ``end`` ("" at the end of the field)."""
        flat, at = self.flat, end + 1  # flat[end + 1] is the character after the span
        while at < len(flat) and flat[at] == " ":
            at += 1
        stop = flat.find(" ", at)
        return flat[at:stop] if stop >= 0 else flat[at:]

    def preceded_by(self, start: int, phrases: Phrases) -> bool:
        """Whether one of the phrases ends right before ``start``."""
        if not phrases or self.word_before(start) not in phrases.lasts:
            return False
        before = tuple(self.words_before(start, phrases.longest))
        # before[-n:] is shorter than n when too few words precede, so it matches no phrase of n words
        return any(before[-n:] in group for n, group in phrases.by_length)

    def followed_by(self, end: int, phrases: Phrases) -> bool:
        """Whether one of the phrases starts right after ``end``."""
        if not phrases or self.word_after(end) not in phrases.firsts:
            return False
        after = tuple(self.words_after(end, phrases.longest))
        return any(after[:n] in group for n, group in phrases.by_length)

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
