"""A shortcut for the common shape of query, compiled without the general parser.

Most rules are a few terms side by side, some negated, some in ``(a OR b)`` groups:
``actor:mali (topic:coup OR word:putsch) -actor:france``. This module compiles that
shape from whitespace-separated chunks and atoms resolved once, which is several
times faster than the parser. Anything else, and every error, returns None, so the
general compiler takes over and reports the exact column.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from services.notify.rules.syntax import MAX_QUERY_CHARS
from services.notify.rules.tree import MAX_TERMS, And, Flat, Node, Not, Or, Segment, Term, iter_terms, keyset_of

_FIELD = re.compile(r"[A-Za-z_]+:[^\s()\"|&+]+\Z")
_WORD = re.compile(r"[^\s()\"|&+-][^\s()\"|&+]*\Z")
_UNITS = re.compile(r"\([^()]*\)|[^\s()]+|[()]").findall
"""Units of a query: a parenthesised group without nested parentheses, a chunk, or a lone parenthesis."""
_AND = frozenset({"and", "+", "&"})
_OR = frozenset({"or", "|"})
_OPERATORS = frozenset({"and", "or", "not"})
_NONE: frozenset[str] = frozenset()

Cached = Callable[[str], list[Segment] | None]

AND, WORD, NODE, OTHER = 0, 1, 2, 3
"""What a piece is: an AND operator, a bare word (segmented with its neighbours), a resolved node, anything else."""
REQUIRED, FORBIDDEN, TREE = 0, 1, 2
"""Where a node's keys go when the query is flattened (TREE: the keys alone do not decide the node)."""

Piece = tuple[int, Node | None, tuple[Term, ...], frozenset[str], int]
"""What one unit (chunk or parenthesised group) is: its kind, its node, the node's terms, and
its key set with where that goes (required, forbidden, or TREE: the keys alone do not decide it)."""


def words_key(words: list[str]) -> str:
    """The atom key the general compiler gives these bare words written with single spaces."""
    key, offset = [], 0
    for word in words:
        key.append(f" {offset}:{word}")
        offset += len(word) + 1
    return "".join(key)


def _piece(kind: int, node: Node | None) -> Piece:
    if node is None:
        return (kind, None, (), _NONE, TREE)
    negated = type(node) is Not
    keys = keyset_of(node.child if negated else node)  # type: ignore[union-attr]
    if keys is None:
        return (kind, node, tuple(iter_terms(node)), _NONE, TREE)
    return (kind, node, tuple(iter_terms(node)), keys, FORBIDDEN if negated else REQUIRED)


_SKIP = _piece(OTHER, None)


class Shortcut:
    """Compile the common shape of query, remembering what each unit turned out to be.

    ``cached`` tells how an atom resolved before; ``field`` resolves a ``name:value`` chunk
    on its own (both None when the atom is unknown or refused).
    """

    def __init__(self, cached: Cached, field: Cached | None = None) -> None:
        self.cached = cached
        self.field = field or cached
        self._pieces: dict[str, Piece] = {}
        self._alternatives: dict[str, Piece] = {}

    def _atom(self, chunk: str) -> Node | None:
        if _FIELD.match(chunk):
            found = self.field(chunk)
        elif _WORD.match(chunk) and chunk.lower() not in _OPERATORS:
            found = self.cached(words_key([chunk]))  # a lone bare word
        else:
            return None
        return found[0][0] if found is not None and len(found) == 1 else None

    def piece(self, chunk: str) -> Piece:
        """Tell what ``chunk`` is: an AND, a bare word, a resolved node, or something else."""
        found = self._pieces.get(chunk)
        if found is not None:
            return found
        lowered = chunk.lower()
        if lowered in _AND:
            found = _piece(AND, None)
        elif chunk.startswith("-"):
            atom = self._atom(chunk[1:])
            found = _piece(NODE, Not(atom, 0)) if atom is not None else _SKIP
        elif not _FIELD.match(chunk) and _WORD.match(chunk) and lowered not in _OPERATORS:
            found = _piece(WORD, None)
        else:
            node = self._atom(chunk)
            found = _piece(NODE, node) if node is not None else _SKIP
        if found is not _SKIP:  # an unknown atom may be resolved by the general compiler later
            self._pieces[chunk] = found
        return found

    def alternative(self, chunk: str) -> Piece:
        """Resolve one alternative of an OR group: a field or a lone bare word, never negated."""
        found = self._alternatives.get(chunk)
        if found is not None:
            return found
        kind, node, _, _, _ = found = self.piece(chunk)
        if kind == WORD:
            found = _piece(NODE, self._atom(chunk))
        elif kind != NODE or type(node) is Not:
            return _SKIP
        if found[1] is not None:
            self._alternatives[chunk] = found
        return found

    def either(self, first: str, second: str) -> Piece | None:
        """Resolve ``(first OR second)`` when both are single terms, else None."""
        alternatives = self._alternatives
        one = alternatives.get(first) or self.alternative(first)
        other = alternatives.get(second) or self.alternative(second)
        a, b = one[1], other[1]
        if type(a) is not Term or type(b) is not Term:
            return None
        if one[4] == REQUIRED and other[4] == REQUIRED:
            return (NODE, Or((a, b)), (a, b), one[3] | other[3], REQUIRED)
        return (NODE, Or((a, b)), (a, b), _NONE, TREE)

    def group(self, unit: str) -> Piece:
        """Resolve ``(a OR b ...)`` from its alternatives; anything else inside is left to the parser."""
        chunks = unit[1:-1].split()
        if len(chunks) == 3 and chunks[1].lower() in _OR:  # (a OR b), the most common group
            found = self.either(chunks[0], chunks[2])
            if found is not None:
                return found
        if len(chunks) % 2 == 0 or any(op.lower() not in _OR for op in chunks[1::2]):
            return _SKIP
        pieces = [self.alternative(chunk) for chunk in chunks[0::2]]
        nodes = [node for _, node, _, _, _ in pieces if type(node) is Term]
        if len(nodes) < len(pieces):  # unknown, or not a single term: left to the parser
            return _SKIP
        if len(nodes) == 1:
            return pieces[0]
        terms = tuple(t for _, _, found, _, _ in pieces for t in found)
        if any(bucket != REQUIRED for _, _, _, _, bucket in pieces):
            return (NODE, Or(tuple(nodes)), terms, _NONE, TREE)
        return (NODE, Or(tuple(nodes)), terms, _NONE.union(*(keys for _, _, _, keys, _ in pieces)), REQUIRED)

    def words(
        self, words: list[str], out: list[Node], terms: list[Term], buckets: tuple[list[frozenset[str]], ...]
    ) -> bool:
        """Append the segments of bare words side by side; False when they were never resolved."""
        found = self.cached(words_key(words))
        if found is None:
            return False
        for node, _ in found:
            _, _, node_terms, keys, bucket = _piece(NODE, node)
            out.append(node)
            terms += node_terms
            buckets[bucket].append(keys)
        words.clear()
        return True

    def unit(self, unit: str) -> Piece:
        """Tell what one unit is: a chunk, or a whole ``(a OR b)`` group remembered by its text."""
        if unit[0] != "(":
            return self.piece(unit)
        if len(unit) == 1:
            return _SKIP
        found = self.group(unit)
        if found is not _SKIP:
            self._pieces[unit] = found
        return found

    def compile(self, text: str) -> tuple[Node, tuple[Term, ...], Flat | None] | None:
        """Compile ``text`` to its tree, terms and key sets if it has the common shape and known atoms."""
        if '"' in text or len(text) > MAX_QUERY_CHARS:
            return None
        out: list[Node] = []
        terms: list[Term] = []
        required: list[frozenset[str]] = []
        forbidden: list[frozenset[str]] = []
        tree: list[frozenset[str]] = []
        buckets = (required, forbidden, tree)
        words: list[str] = []
        after_and = False
        pieces = self._pieces
        for unit in _UNITS(text) if "(" in text or ")" in text else text.split():
            kind, node, found, keys, bucket = pieces.get(unit) or self.unit(unit)
            if node is not None and not words:  # the common case first
                out.append(node)
                terms += found
                buckets[bucket].append(keys)
                after_and = False
            elif kind == AND:
                if after_and or (not out and not words):
                    return None
                after_and = True
            elif kind == WORD:
                words.append(unit)
                after_and = False
            elif node is None or not self.words(words, out, terms, buckets):
                return None
            else:
                out.append(node)
                terms += found
                buckets[bucket].append(keys)
                after_and = False
        if after_and or (words and not self.words(words, out, terms, buckets)):
            return None
        return _assembled(out, tuple(terms), required, forbidden, tree)


def _assembled(
    out: list[Node],
    terms: tuple[Term, ...],
    required: list[frozenset[str]],
    forbidden: list[frozenset[str]],
    tree: list[frozenset[str]],
) -> tuple[Node, tuple[Term, ...], Flat | None] | None:
    """Put a query's top-level nodes together; None for what the general compiler must refuse."""
    if len(terms) > MAX_TERMS or not (required or any(type(node) is not Not for node in out)):
        return None  # only exclusions: the general compiler says why
    # pieces are never ANDs themselves, so there is nothing to flatten
    root = out[0] if len(out) == 1 else And(tuple(out))
    if tree:
        return root, terms, None
    if not forbidden:
        return root, terms, (tuple(required), _NONE)
    return root, terms, (tuple(required), forbidden[0] if len(forbidden) == 1 else _NONE.union(*forbidden))
