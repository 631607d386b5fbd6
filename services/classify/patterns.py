"""Every alias, topic cue and context phrase of a vocabulary compiled into one Aho-Corasick automaton.

The automaton runs over the *flattened* text (folded, every non-word character a space,
padded with one space each side), and its keys are padded too, so a hit is always a whole
word sequence: one pass over the text finds every candidate, no per-alias regex.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import ahocorasick_rs

from shared.vocabulary import Cue, Entry, Vocabulary
from shared.vocabulary.folding import key

Role = Literal["alias", "weak", "demonym", "prefix", "given", "cue"]
ACRONYM_MAX_CHARS: Final = 6


Case = Literal["upper", "title"]


@lru_cache(maxsize=65_536)
def case_forms(phrase: str) -> Case | None:
    """How a phrase must be capitalised in text, or None when any case will do.

    Acronyms (no lowercase letter, at most six characters: AES, UN, CAN) must be in capitals,
    and two-letter names (Xi) capitalised as written, so "un", "can" or "XI" never match.
    Scripts without case (Arabic, Chinese) have nothing to require.
    """
    letters = [c for c in phrase if c.isupper() or c.islower()]
    if not letters:
        return None
    if not any(c.islower() for c in letters) and len(phrase) <= ACRONYM_MAX_CHARS:
        return "upper"
    return "title" if len(letters) <= 2 else None


def case_holds(text: str, case: Case) -> bool:
    """Whether ``text`` is capitalised as ``case`` requires."""
    if case == "upper":
        return text.isupper()
    return text[:1].isupper() and not text[1:].isupper()


Words = tuple[tuple[str, ...], ...]
"""Phrases as tuples of folded words, shortest first."""


class Phrases:
    """Word-tuple phrases grouped by length (one set look-up per length), with the words they start
    and end with: most hits have a neighbour no phrase can end or start with, refused with one look-up."""

    __slots__ = ("by_length", "firsts", "lasts", "longest")

    def __init__(self, phrases: Words = ()) -> None:
        lengths = sorted({len(p) for p in phrases if p})
        self.by_length: tuple[tuple[int, frozenset[tuple[str, ...]]], ...] = tuple(
            (n, frozenset(p for p in phrases if len(p) == n)) for n in lengths
        )
        self.longest = lengths[-1] if lengths else 0
        self.firsts = frozenset(p[0] for p in phrases if p)
        self.lasts = frozenset(p[-1] for p in phrases if p)

    def __bool__(self) -> bool:
        return self.longest > 0


NO_PHRASES: Final = Phrases()


def by_length(phrases: Words) -> Phrases:
    """Group word-tuple phrases by their length."""
    return Phrases(phrases)


@lru_cache(maxsize=4_096)
def phrase_words(phrases: tuple[str, ...]) -> Words:
    """The folded words of each phrase, shortest first, for comparing with the words next to a hit."""
    return tuple(sorted({tuple(k.split()) for k in (key(p) for p in phrases) if k}, key=len))


@lru_cache(maxsize=4_096)
def padded(phrases: tuple[str, ...]) -> frozenset[str]:
    """The padded match keys of phrases, as the context automaton reports them."""
    return frozenset(f" {k} " for k in (key(p) for p in phrases) if k)


@dataclass(frozen=True, slots=True)
class Target:
    """What one automaton key stands for: an entry, in one role, maybe only in one language.

    The entry's and cue's context rules are kept here in matchable form, computed once.
    """

    entry: Entry
    role: Role
    phrase: str
    cased: Case | None = None
    lang: str | None = None
    cue: Cue | None = None
    not_after: Phrases = NO_PHRASES
    not_before: Phrases = NO_PHRASES
    veto: frozenset[str] = frozenset()
    confirm: frozenset[str] = frozenset()
    veto_before: Phrases = NO_PHRASES
    veto_after: Phrases = NO_PHRASES
    capital: bool = False
    """A one-word proper noun (Turkey, China, Chad): the text must capitalise it too."""
    # copies of the entry's and cue's fields the per-hit rules read: a struct field, not a pydantic attribute
    entry_id: str = ""
    kind: str = ""
    weight: float = 0.0
    must_confirm: bool = False
    confirm_actor: bool = False

    @classmethod
    def of(cls, entry: Entry, role: Role, phrase: str, lang: str | None = None, cue: Cue | None = None) -> Target:
        """Build a target with its rules precomputed."""
        return cls(
            entry,
            role,
            phrase,
            case_forms(phrase),
            lang,
            cue,
            by_length(phrase_words(entry.not_after)),
            by_length(phrase_words(entry.not_before)),
            padded(cue.veto) if cue else frozenset(),
            padded(cue.confirm) if cue else frozenset(),
            by_length(phrase_words(cue.veto_before)) if cue else NO_PHRASES,
            by_length(phrase_words(cue.veto_after)) if cue else NO_PHRASES,
            cue is None and phrase[:1].isupper() and len(key(phrase).split()) == 1,
            entry.id,
            entry.kind,
            cue.weight if cue else 0.0,
            bool(cue and (cue.confirm or cue.confirm_actor)),
            bool(cue and cue.confirm_actor),
        )


class Hit:
    """A key found in a field: offsets in the original string and what it may stand for."""

    # a plain class, not a named tuple: mypyc compiles it to a C struct, quicker to build and to read
    __slots__ = ("actors", "cues", "end", "start")

    def __init__(self, start: int, end: int, actors: tuple[Target, ...], cues: tuple[Target, ...]) -> None:
        self.start = start
        self.end = end
        self.actors = actors
        self.cues = cues


def _entry_targets(entry: Entry) -> Iterator[Target]:
    for role, phrases in (
        ("alias", (*entry.aliases, entry.name) if entry.is_actor else ()),
        ("weak", entry.weak),
        ("demonym", entry.demonyms),
        ("prefix", entry.prefixes),
        ("given", entry.given_names),
    ):
        for phrase in phrases:
            yield Target.of(entry, role, phrase)  # type: ignore[arg-type]
    for lang, phrases in entry.local.items():
        for phrase in phrases:
            yield Target.of(entry, "alias", phrase, lang=lang)
    for cue in entry.cues:
        for phrase in cue.phrases:
            yield Target.of(entry, "cue", phrase, lang=cue.lang, cue=cue)


def _add(targets: list[Target], new: Target) -> None:
    """Add ``new`` unless a twin (same entry, role, language and cue) is there; merge their spellings."""
    for i, old in enumerate(targets):
        if (old.entry.id, old.role, old.lang, old.cue) == (new.entry.id, new.role, new.lang, new.cue):
            if old.cased != new.cased:
                targets[i] = dataclasses.replace(old, cased=None)
            return
    targets.append(new)


class Patterns:
    """The compiled automaton of one vocabulary: its aliases and cues, and its context phrases."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        by_key: dict[str, list[Target]] = defaultdict(list)
        for entry in vocabulary.entries.values():
            for target in _entry_targets(entry):
                phrase_key = key(target.phrase)
                if phrase_key:
                    _add(by_key[phrase_key], target)
        # A name listed both as an alias and as a given name or a weak alias keeps its stricter role.
        for targets in by_key.values():
            strict = {t.entry.id for t in targets if t.role in ("given", "weak")}
            targets[:] = [t for t in targets if not (t.role == "alias" and t.entry.id in strict)]
        keys = [f" {phrase_key} " for phrase_key in by_key]
        self._targets = [
            (tuple(t for t in targets if t.role != "cue"), tuple(t for t in targets if t.role == "cue"))
            for targets in by_key.values()
        ]
        # context phrases come after the aliases in one automaton: an index past the aliases is one of them
        self._context_keys = sorted(_context_keys(vocabulary))
        self.automaton = ahocorasick_rs.AhoCorasick(
            [*keys, *self._context_keys], matchkind=ahocorasick_rs.MatchKind.Standard
        )
        self.keys = len(by_key)
        self.topics = {e.id: e for e in vocabulary.entries.values() if e.kind == "topic"}

    def scan(self, flat: str) -> tuple[list[Hit], dict[str, list[int]]]:
        """One pass over ``flat`` (a padded, flattened field): every alias or cue key, with offsets in the
        original field, and where each context phrase starts (padded key to original starts)."""
        hits: list[Hit] = []
        context: dict[str, list[int]] = {}
        targets, aliases, context_keys = self._targets, self.keys, self._context_keys
        # typed, so that compiled code reads each match as a tuple instead of iterating over it
        matches: list[tuple[int, int, int]] = self.automaton.find_matches_as_indexes(flat, overlapping=True)
        for index, start, end in matches:
            # padded keys: the match starts on the space before the word, which is the word's offset in the field
            if index < aliases:
                actors, cues = targets[index]
                hits.append(Hit(start, end - 2, actors, cues))
            else:
                phrase = context_keys[index - aliases]
                starts = context.get(phrase)
                if starts is None:
                    context[phrase] = [start]
                else:
                    starts.append(start)
        return hits, context


def _context_keys(vocabulary: Vocabulary) -> set[str]:
    """The padded keys of every context, veto and confirmation phrase of the vocabulary."""
    found: set[str] = set()
    for entry in vocabulary.entries.values():
        found |= padded(entry.context)
        for cue in entry.cues:
            found |= padded(cue.veto) | padded(cue.confirm)
    return found


@lru_cache(maxsize=4)
def compiled(vocabulary: Vocabulary) -> Patterns:
    """The automaton of ``vocabulary``, built once per vocabulary object."""
    return Patterns(vocabulary)
