"""Every alias and topic cue of a vocabulary compiled into one Aho-Corasick automaton.

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
from typing import Literal, NamedTuple

import ahocorasick

from shared.vocabulary import Cue, Entry, Vocabulary
from shared.vocabulary.folding import key

Role = Literal["alias", "weak", "demonym", "prefix", "given", "cue"]
ACRONYM_MAX_CHARS = 6


Case = Literal["upper", "title"]


@lru_cache(maxsize=65_536)
def case_forms(phrase: str) -> Case | None:
    """How a phrase must be capitalised in text, or None when any case will do.

    Acronyms (no lowercase letter, at most six characters: AES, UN, CAN) must be in capitals,
    and two-letter names (Xi) capitalised as written, so "un", "can" or "XI" never match.
    """
    letters = [c for c in phrase if c.isalpha()]
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
ByLength = tuple[tuple[int, frozenset[tuple[str, ...]]], ...]
"""The same phrases grouped by length, for one set look-up per length."""


def by_length(phrases: Words) -> ByLength:
    """Group word-tuple phrases by their length."""
    lengths = sorted({len(p) for p in phrases})
    return tuple((n, frozenset(p for p in phrases if len(p) == n)) for n in lengths)


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
    not_after: ByLength = ()
    not_before: ByLength = ()
    veto: frozenset[str] = frozenset()
    confirm: frozenset[str] = frozenset()
    veto_before: ByLength = ()
    veto_after: ByLength = ()
    capital: bool = False
    """A one-word proper noun (Turkey, China, Chad): the text must capitalise it too."""

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
            by_length(phrase_words(cue.veto_before)) if cue else (),
            by_length(phrase_words(cue.veto_after)) if cue else (),
            cue is None and phrase[:1].isupper() and len(key(phrase).split()) == 1,
        )


class Hit(NamedTuple):
    """A key found in a field: offsets in the original string and what it may stand for."""

    start: int
    end: int
    actors: tuple[Target, ...]
    cues: tuple[Target, ...]


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
    """The compiled automaton of one vocabulary."""

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
        self.automaton = ahocorasick.Automaton()
        for phrase_key, targets in by_key.items():
            padded = f" {phrase_key} "
            actors = tuple(t for t in targets if t.role != "cue")
            cues = tuple(t for t in targets if t.role == "cue")
            self.automaton.add_word(padded, (len(padded), actors, cues))
        self.automaton.make_automaton()
        self.keys = len(by_key)
        self.topics = {e.id: e for e in vocabulary.entries.values() if e.kind == "topic"}
        self.context = _context_automaton(vocabulary)

    def context_hits(self, flat: str) -> dict[str, list[int]]:
        """Where each veto, confirmation or context phrase occurs in ``flat``: padded key to original starts."""
        found: dict[str, list[int]] = defaultdict(list)
        for last, phrase_key in self.context.iter(flat):
            found[phrase_key].append(last - len(phrase_key) + 1)
        return found

    def find(self, flat: str) -> list[Hit]:
        """Every key in ``flat`` (a padded, flattened field), with offsets in the original field."""
        new = tuple.__new__  # a third quicker than Hit(...), whose __new__ is a Python function
        return [
            new(Hit, (last - length + 1, last - 1, actors, cues))
            for last, (length, actors, cues) in self.automaton.iter(flat)
        ]


def _context_automaton(vocabulary: Vocabulary) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for entry in vocabulary.entries.values():
        for phrase_key in padded(entry.context):
            automaton.add_word(phrase_key, phrase_key)
        for cue in entry.cues:
            for phrase_key in padded(cue.veto) | padded(cue.confirm):
                automaton.add_word(phrase_key, phrase_key)
    if len(automaton) == 0:
        automaton.add_word(" \x00 ", " \x00 ")
    automaton.make_automaton()
    return automaton


@lru_cache(maxsize=4)
def compiled(vocabulary: Vocabulary) -> Patterns:
    """The automaton of ``vocabulary``, built once per vocabulary object."""
    return Patterns(vocabulary)
