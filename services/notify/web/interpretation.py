"""How a query was understood, term by term, for the live feedback of the rule editor."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.rules.query import Node, Not, Or, Term, TermKind, compile_query
from shared.errors import QueryError
from shared.vocabulary import Vocabulary

MAX_SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Meaning:
    """One thing a written term stands for: an actor, a topic, a keyword..."""

    kind: TermKind
    ref: str
    label: str
    entry_kind: str | None = None
    affiliated: bool = False


@dataclass(frozen=True, slots=True)
class Reading:
    """A term as written, with its meanings (several when an alias is ambiguous)."""

    text: str
    negated: bool
    meanings: tuple[Meaning, ...]
    suggestions: tuple[str, ...] = ()
    alternatives: tuple[Meaning, ...] = ()
    """Other entries the written alias also names, which the rule does not mean."""

    @property
    def unknown(self) -> bool:
        """Whether the term fell back to a keyword: nothing in the vocabulary is called so."""
        return all(m.kind in ("keyword", "phrase") for m in self.meanings)


@dataclass(frozen=True, slots=True)
class Mistake:
    """Why a query does not parse, and where (1-based column)."""

    message: str
    column: int

    def split(self, text: str) -> tuple[str, str, str]:
        """Cut ``text`` into before, at and after the faulty column (``at`` is a space past the end)."""
        i = min(max(self.column - 1, 0), len(text))
        return text[:i], text[i : i + 1] or " ", text[i + 1 :]


@dataclass(frozen=True, slots=True)
class Interpretation:
    """Either the readings of a valid query, or its mistake."""

    text: str
    readings: tuple[Reading, ...] = ()
    mistake: Mistake | None = None


def _groups(node: Node, negated: bool = False) -> list[tuple[list[Term], bool]]:
    """The terms of a tree in reading order; the alternatives of one ambiguous alias stay together."""
    if isinstance(node, Term):
        return [([node], negated)]
    if isinstance(node, Not):
        return _groups(node.child, not negated)
    children = node.children
    terms = [c for c in children if isinstance(c, Term)]
    if isinstance(node, Or) and len(terms) == len(children) and len({t.text for t in terms}) == 1:
        return [(terms, negated)]
    return [group for child in children for group in _groups(child, negated)]


def meaning(term: Term, vocabulary: Vocabulary) -> Meaning:
    """Describe what one compiled term stands for."""
    entry = vocabulary.entries.get(term.ref) if term.kind in ("actor", "topic") else None
    if entry is None:
        return Meaning(term.kind, term.ref, term.ref)
    affiliated = term.kind == "actor" and len(vocabulary.affiliates(entry.id)) > 1
    return Meaning(term.kind, entry.id, entry.name, entry.kind, affiliated)


def alternatives(term: Term, vocabulary: Vocabulary) -> tuple[Meaning, ...]:
    """Describe the namesakes a term was preferred over (an alias shared by several entries)."""
    found = (vocabulary.entries.get(ref) for ref in term.others)
    return tuple(Meaning(term.kind, e.id, e.name, e.kind) for e in found if e is not None)


def suggestions(word: str, vocabulary: Vocabulary) -> tuple[str, ...]:
    """Names of vocabulary entries spelled close to ``word``."""
    return tuple(vocabulary.entries[i].name for i in vocabulary.suggest(word, n=MAX_SUGGESTIONS))


def interpret(text: str, vocabulary: Vocabulary) -> Interpretation:
    """Compile ``text`` and say what each term means, or where and why it does not parse."""
    try:
        query = compile_query(text, vocabulary)
    except QueryError as e:
        return Interpretation(text, mistake=Mistake(e.message, e.column))
    readings = []
    for terms, negated in _groups(query.root):
        meanings = tuple(meaning(t, vocabulary) for t in terms)
        reading = Reading(terms[0].text, negated, meanings, alternatives=alternatives(terms[0], vocabulary))
        if reading.unknown:
            reading = Reading(reading.text, negated, meanings, suggestions(reading.text.strip('"'), vocabulary))
        readings.append(reading)
    return Interpretation(text, tuple(readings))
