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
from services.notify.rules.tree import MAX_TERMS, Node, Not, Segment, Term, and_all, iter_terms, negative_only, or_any

_FIELD = re.compile(r"[A-Za-z_]+:[^\s()\"|&+]+\Z")
_WORD = re.compile(r"[^\s()\"|&+-][^\s()\"|&+]*\Z")
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


def _group(chunks: list[str], cached: Cached) -> Node | None:
    """``a OR b OR c`` inside parentheses, each alternative one chunk."""
    if len(chunks) % 2 == 0 or any(op.lower() not in _OR for op in chunks[1::2]):
        return None
    alternatives = [_atom(chunk, cached) for chunk in chunks[0::2]]
    return None if None in alternatives else or_any([a for a in alternatives if a is not None])


def _flush(words: list[str], out: list[Node], cached: Cached) -> bool:
    if words:
        found = cached(words_key(words))
        if found is None:
            return False
        out.extend(node for node, _ in found)
        words.clear()
    return True


def compile_flat(text: str, cached: Cached) -> tuple[Node, tuple[Term, ...]] | None:
    """Compile ``text`` to its tree and terms if it has the common shape and known atoms; else None."""
    if '"' in text or len(text) > MAX_QUERY_CHARS:
        return None
    chunks = text.replace("(", " ( ").replace(")", " ) ").split()
    out: list[Node] = []
    words: list[str] = []
    i, n = 0, len(chunks)
    while i < n:
        chunk = chunks[i]
        lowered = chunk.lower()
        node: Node | None
        if lowered in _AND:
            if (not out and not words) or i == n - 1 or chunks[i + 1].lower() in _AND:
                return None
            i += 1
            continue
        if chunk == "(":
            end = chunks.index(")", i) if ")" in chunks[i:] else -1
            node = _group(chunks[i + 1 : end], cached) if end > i else None
            i = end + 1
        elif chunk.startswith("-"):
            atom = _atom(chunk[1:], cached)
            node = Not(atom, 0) if atom is not None else None
            i += 1
        elif not _FIELD.match(chunk) and _WORD.match(chunk) and lowered not in _OPERATORS:
            words.append(chunk)
            i += 1
            continue
        else:
            node = _atom(chunk, cached)
            i += 1
        if node is None or not _flush(words, out, cached):
            return None
        out.append(node)
    if (not out and not words) or not _flush(words, out, cached):
        return None
    root = and_all(out)
    terms = tuple(iter_terms(root))
    return (root, terms) if len(terms) <= MAX_TERMS and negative_only(root) is None else None
