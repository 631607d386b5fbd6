"""A shortcut for the common shape of query, compiled without the general parser.

Most rules are a few terms side by side, some negated, some in ``(a OR b)`` groups:
``actor:mali (topic:coup OR word:putsch) -actor:france``. This module compiles that
shape from whitespace-separated chunks and atoms already resolved once, which is
several times faster than the parser. Anything else, anything new, and every error
returns None, so the general compiler takes over and reports the exact column.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from services.notify.rules.syntax import MAX_QUERY_CHARS
from services.notify.rules.tree import MAX_TERMS, And, Flat, Node, Not, Segment, Term, iter_terms, keyset_of, or_any

_FIELD = re.compile(r"[A-Za-z_]+:[^\s()\"|&+]+\Z")
_WORD = re.compile(r"[^\s()\"|&+-][^\s()\"|&+]*\Z")
_UNITS = re.compile(r"\([^()]*\)|[^\s()]+|[()]").findall
"""Units of a query: a parenthesised group without nested parentheses, a chunk, or a lone parenthesis."""
_AND = frozenset({"and", "+", "&"})
_OR = frozenset({"or", "|"})
_OPERATORS = frozenset({"and", "or", "not"})

Cached = Callable[[str], list[Segment] | None]


def words_key(words: list[str]) -> str:
    """The atom key the general compiler gives these bare words written with single spaces."""
    key, offset = [], 0
    for word in words:
        key.append(f" {offset}:{word}")
        offset += len(word) + 1
    return "".join(key)


def _atom(chunk: str, cached: Cached) -> Node | None:
    if _FIELD.match(chunk):
        found = cached(chunk)
    elif _WORD.match(chunk) and chunk.lower() not in _OPERATORS:
        found = cached(words_key([chunk]))  # a lone bare word
    else:
        return None
    return found[0][0] if found is not None and len(found) == 1 else None


Keys = frozenset[str] | None
Piece = tuple[str, Node | None, tuple[Term, ...], Keys]
"""What one chunk (or parenthesised group) is: its kind, its node, the node's terms and its key set."""


def _piece(kind: str, node: Node | None) -> Piece:
    if node is None:
        return (kind, None, (), None)
    return (kind, node, tuple(iter_terms(node)), keyset_of(node.child if type(node) is Not else node))


class Shortcut:
    """Compile the common shape of query, remembering what each chunk turned out to be."""

    def __init__(self, cached: Cached) -> None:
        self.cached = cached
        self._pieces: dict[str, Piece] = {}

    def piece(self, chunk: str) -> Piece:
        """Tell what ``chunk`` is: an AND, a bare word, a resolved node, or something else."""
        found = self._pieces.get(chunk)
        if found is not None:
            return found
        lowered = chunk.lower()
        node: Node | None = None
        if lowered in _AND:
            kind = "and"
        elif chunk.startswith("-"):
            atom = _atom(chunk[1:], self.cached)
            node, kind = (Not(atom, 0), "node") if atom is not None else (None, "other")
        elif not _FIELD.match(chunk) and _WORD.match(chunk) and lowered not in _OPERATORS:
            kind = "word"
        else:
            node = _atom(chunk, self.cached)
            kind = "node" if node is not None else "other"
        piece = _piece(kind, node)
        if kind != "other":  # an unknown atom may be resolved by the general compiler later
            self._pieces[chunk] = piece
        return piece

    def alternative(self, chunk: str) -> Piece:
        """Resolve one alternative of an OR group: a field or a lone bare word."""
        found = self._pieces.get("\x00" + chunk)
        if found is not None:
            return found
        kind, node, _, _ = self.piece(chunk)
        if kind not in ("node", "word") or type(node) is Not:
            return _piece("other", None)
        found = _piece("node", node if kind == "node" else _atom(chunk, self.cached))
        if found[1] is not None:
            self._pieces["\x00" + chunk] = found
        return found

    def group(self, chunks: list[str]) -> Piece:
        """Resolve ``a OR b`` inside parentheses from the pieces of its alternatives."""
        if len(chunks) % 2 == 0 or any(op.lower() not in _OR for op in chunks[1::2]):
            return _piece("other", None)
        pieces = [self.alternative(chunk) for chunk in chunks[0::2]]
        nodes = [node for _, node, _, _ in pieces if node is not None]
        if len(nodes) < len(pieces):
            return _piece("other", None)
        keys = [k for _, _, _, k in pieces if k is not None]
        keyset = frozenset().union(*keys) if len(keys) == len(pieces) else None
        return ("node", or_any(nodes), tuple(t for _, _, found, _ in pieces for t in found), keyset)

    def words(self, words: list[str], out: list[Node], terms: list[Term], sets: list[Keys]) -> bool:
        """Append the segments of bare words side by side; False when they were never resolved."""
        found = self.cached(words_key(words))
        if found is None:
            return False
        for node, _ in found:
            out.append(node)
            terms.extend(iter_terms(node))
            sets.append(keyset_of(node))
        words.clear()
        return True

    def unit(self, unit: str) -> Piece:
        """Tell what one unit is: a chunk, or a whole ``(a OR b)`` group remembered by its text."""
        found = self._pieces.get(unit)
        if found is not None:
            return found
        if unit[0] != "(":
            return self.piece(unit)
        if len(unit) == 1:
            return _piece("other", None)
        found = self.group(unit[1:-1].split())
        if found[1] is not None:
            self._pieces[unit] = found
        return found

    def compile(self, text: str) -> tuple[Node, tuple[Term, ...], Flat | None] | None:
        """Compile ``text`` to its tree, terms and key sets if it has the common shape and known atoms."""
        if '"' in text or len(text) > MAX_QUERY_CHARS:
            return None
        out: list[Node] = []
        terms: list[Term] = []
        sets: list[Keys] = []
        words: list[str] = []
        after_and = False
        pieces = self._pieces
        for unit in _UNITS(text):
            kind, node, found, keys = pieces.get(unit) or self.unit(unit)
            if node is not None and not words:  # the common case first
                out.append(node)
                terms += found
                sets.append(keys)
                after_and = False
            elif kind == "and":
                if after_and or (not out and not words):
                    return None
                after_and = True
            elif kind == "word":
                words.append(unit)
                after_and = False
            elif node is None or not self.words(words, out, terms, sets):
                return None
            else:
                out.append(node)
                terms += found
                sets.append(keys)
                after_and = False
        if after_and or (words and not self.words(words, out, terms, sets)):
            return None
        if not out or len(terms) > MAX_TERMS or all(type(node) is Not for node in out):
            return None  # only exclusions: the general compiler says why
        # pieces are never ANDs themselves, so there is nothing to flatten
        return (out[0] if len(out) == 1 else And(tuple(out))), tuple(terms), _flat(out, sets)


def _flat(out: list[Node], sets: list[Keys]) -> Flat | None:
    """The key sets of the top-level nodes: required ones, and the union of the excluded ones."""
    required: list[frozenset[str]] = []
    forbidden: frozenset[str] = frozenset()
    for node, keys in zip(out, sets, strict=True):
        if keys is None:
            return None
        if type(node) is Not:
            forbidden |= keys
        else:
            required.append(keys)
    return tuple(required), forbidden
