"""The compiled form of a query: terms with their index keys, under NOT, AND and OR."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

MAX_TERMS = 64
TermKind = Literal["actor", "topic", "keyword", "phrase", "lang", "source"]


@dataclass(frozen=True, slots=True)
class Term:
    """One condition on an article; ``keys`` are the index keys that can make it hold.

    Terms carry no column: one term object is shared by every rule that writes it alike.
    ``others`` are the ids of other entries the written alias also names, which the term
    does not match (see :mod:`services.notify.rules.sense`).
    """

    kind: TermKind
    ref: str
    text: str
    keys: tuple[str, ...]
    words: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    keyset: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keyset", frozenset(self.keys))


@dataclass(slots=True)
class Not:
    """Holds when its child does not."""

    child: Node
    column: int = field(compare=False)


@dataclass(slots=True)
class And:
    """Holds when every child holds."""

    children: tuple[Node, ...]


@dataclass(slots=True)
class Or:
    """Holds when any child holds."""

    children: tuple[Node, ...]


Node = Term | Not | And | Or


@dataclass(slots=True)
class Query:
    """A compiled query: its source text, its tree and its terms in reading order."""

    text: str
    root: Node
    terms: tuple[Term, ...]
    flat: Flat | None = None


Flat = tuple[tuple[frozenset[str], ...], frozenset[str]]
"""A query flattened to key sets: each required set must meet an article's keys, the forbidden one not."""


def keyset_of(node: Node) -> frozenset[str] | None:
    """The keys any of which makes ``node`` hold, for a term or an OR of terms that keys decide alone."""
    if type(node) is Term:
        return node.keyset if node.kind != "phrase" else None
    if type(node) is Or:
        sets = [keyset_of(c) for c in node.children]
        return None if None in sets else frozenset().union(*(s for s in sets if s is not None))
    return None


def iter_terms(node: Node) -> list[Term]:
    """List the terms of a tree in reading order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return iter_terms(node.child)
    return [t for child in node.children for t in iter_terms(child)]


def negative_only(node: Node) -> int | None:
    """Return the column of a part that could hold with no positive term, or None."""
    if isinstance(node, Term):
        return None
    if isinstance(node, Not):
        return node.column
    if isinstance(node, Or):
        for child in node.children:
            column = negative_only(child)
            if column is not None:
                return column
        return None
    columns = [negative_only(child) for child in node.children]
    return None if None in columns else columns[0]


def and_all(children: list[Node]) -> Node:
    """AND the children, flattening nested ANDs; one child stands for itself."""
    flat = [g for c in children for g in (c.children if isinstance(c, And) else (c,))]
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def or_any(children: list[Node]) -> Node:
    """OR the children, flattening nested ORs; one child stands for itself."""
    flat = [g for c in children for g in (c.children if isinstance(c, Or) else (c,))]
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


Segment = tuple[Node, int]
"""A resolved piece of a query and its column, relative to the start of what was resolved."""
