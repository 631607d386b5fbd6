"""Compile a watch-rule query into terms resolved through the shared vocabulary.

A compiled query is a small tree of :class:`Term`, :class:`Not`, :class:`And` and
:class:`Or`. Each term carries the index keys an article must show for it to hold,
so the matcher can select candidate rules without evaluating them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from services.notify.rules import syntax
from services.notify.rules.flat import Shortcut
from services.notify.rules.sense import prefer
from services.notify.rules.stemmer import keyword_keys
from services.notify.rules.tree import (
    MAX_TERMS,
    And,
    Node,
    Not,
    Or,
    Query,
    Segment,
    Term,
    TermKind,
    and_all,
    iter_terms,
    negative_only,
    or_any,
)
from shared.errors import QueryError
from shared.vocabulary import Entry, Vocabulary
from shared.vocabulary.folding import fold, tokens

__all__ = [
    "MAX_TERMS",
    "And",
    "Atoms",
    "Compiler",
    "Node",
    "Not",
    "Or",
    "Query",
    "Term",
    "TermKind",
    "compile_query",
    "iter_terms",
    "negative_only",
]

_LANG = re.compile(r"^[a-z]{2,3}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def compile_query(text: str, vocabulary: Vocabulary) -> Query:
    """Parse and resolve ``text``, or raise :class:`QueryError` naming the column."""
    return Compiler(vocabulary).compile(text)


def entry_term(entry: Entry, text: str, others: tuple[str, ...] = ()) -> Term:
    """Make the term an actor or topic entry stands for; ``others`` are namesakes it does not mean."""
    if entry.kind == "topic":
        return Term("topic", entry.id, text, (f"t:{entry.id}",), others=others)
    return Term("actor", entry.id, text, (f"a:{entry.id}",), others=others)


def keyword_term(word: str, text: str) -> Term:
    """Make a keyword term from one folded word."""
    return Term("keyword", word, text, keyword_keys(word))


def phrase_term(words: list[str], text: str) -> Term:
    """Make an exact-phrase term; it is indexed under its longest word."""
    longest = max(words, key=len)
    return Term("phrase", " ".join(words), text, keyword_keys(longest), tuple(words))


class Atoms:
    """How each atom (a field, bare words, a phrase) resolved against one vocabulary, remembered.

    Rules repeat the same few thousand atoms (``actor:russia``, ``Burkina Faso``), so
    resolving each once keeps compiling 100,000 rules within a couple of seconds. It refers
    to nothing that refers back to it: a discarded compiler is freed by reference counting
    alone, with the cyclic collector paused or frozen.
    """

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._atoms: dict[str, list[Segment] | QueryError] = {}
        self.order = {entry_id: i for i, entry_id in enumerate(vocabulary.entries)}
        """Each entry's position in the vocabulary, the last tie-break between namesakes."""

    def cached(self, key: str) -> list[Segment] | None:
        """Return how an atom resolved before, if it did without error."""
        found = self._atoms.get(key)
        return found if isinstance(found, list) else None

    def field(self, chunk: str) -> list[Segment] | None:
        """Resolve a ``name:value`` chunk on its own, as the parser would; None if it is refused."""
        found = self._atoms.get(chunk)
        if found is None:
            try:
                field = syntax.field_of(("field", chunk, 1))
                resolver = _Resolver(self, [])
                offset = field.value_column - 1
                return self.atom(chunk, 1, lambda: resolver.field_atom(field.name, field.value, offset))
            except QueryError:
                return None
        return found if isinstance(found, list) else None

    def atom(self, key: str, column: int, resolve: Callable[[], list[Segment]]) -> list[Segment]:
        """Resolve an atom once; replay its result, or its error at this ``column``."""
        found = self._atoms.get(key)
        if found is None:
            try:
                found = resolve()
            except QueryError as e:
                found = QueryError(e.message, e.column)
            self._atoms[key] = found
        if isinstance(found, QueryError):
            raise QueryError(found.message, column + found.column)
        return found


class Compiler:
    """Compile queries against one vocabulary, remembering how each atom resolved (see :class:`Atoms`)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.atoms = Atoms(vocabulary)
        self.order = self.atoms.order
        # the shortcut holds the atoms' methods, not the compiler's: no reference cycle
        self._shortcut = Shortcut(self.atoms.cached, self.atoms.field)

    def compile(self, text: str, shortcut: bool = True) -> Query:
        """Parse and resolve ``text``, or raise :class:`QueryError` naming the column."""
        if shortcut:
            found = self._shortcut.compile(text)
            if found is not None:
                root, terms, flat = found
                return Query(text, root, terms, flat)
        columns: list[int] = []
        root = syntax.build(text, _Resolver(self.atoms, columns))
        terms = tuple(iter_terms(root))
        if len(terms) > MAX_TERMS:
            raise QueryError(f"query has more than {MAX_TERMS} terms", columns[MAX_TERMS])
        column = negative_only(root)
        if column is not None:
            raise QueryError("this part can only match by negation: add a term it must contain", column)
        return Query(text, root, terms)

    def cached(self, key: str) -> list[Segment] | None:
        """Return how an atom resolved before, if it did without error."""
        return self.atoms.cached(key)

    def field(self, chunk: str) -> list[Segment] | None:
        """Resolve a ``name:value`` chunk on its own, as the parser would; None if it is refused."""
        return self.atoms.field(chunk)

    def atom(self, key: str, column: int, resolve: Callable[[], list[Segment]]) -> list[Segment]:
        """Resolve an atom once; replay its result, or its error at this ``column``."""
        return self.atoms.atom(key, column, resolve)


class _Resolver:
    """Turn one parse tree into terms; ``columns`` collects each term's column in reading order."""

    def __init__(self, atoms: Atoms, columns: list[int]) -> None:
        self.atoms = atoms
        self.vocabulary = atoms.vocabulary
        self.columns = columns

    def conjunction(self, children: list[Node]) -> Node:
        return and_all(children)

    def disjunction(self, children: list[Node]) -> Node:
        return or_any(children)

    def words(self, words: tuple[syntax.Lexeme, ...]) -> Node:
        return and_all(self.placed(self.words_atom(words), words[0][2]))

    def negated_words(self, words: tuple[syntax.Lexeme, ...], column: int) -> Node:
        """Exclude the first alias or word of bare words; the others stay required."""
        first, *rest = self.placed(self.words_atom(words), words[0][2])
        return and_all([Not(first, column), *rest])

    def negation(self, child: Node, column: int) -> Node:
        return child.child if isinstance(child, Not) else Not(child, column)

    def phrase(self, text: str, column: int) -> Node:
        found = self.atoms.atom(f'"{text}"', column, lambda: self.phrase_atom(text))
        return self.placed(found, column)[0]

    def field(self, lexeme: syntax.Lexeme) -> Node:
        _, text, column = lexeme
        found = self.atoms.cached(text)
        if found is None:
            field = syntax.field_of(lexeme)
            offset = field.value_column - column
            found = self.atoms.atom(text, column, lambda: self.field_atom(field.name, field.value, offset))
        return self.placed(found, column)[0]

    def placed(self, segments: list[Segment], column: int) -> list[Node]:
        """Record the absolute column of each term of ``segments``; return their nodes."""
        columns = self.columns
        for node, relative in segments:
            if isinstance(node, Term):
                columns.append(column + relative)
            else:
                columns.extend([column + relative] * len(iter_terms(node)))
        return [node for node, _ in segments]

    def words_atom(self, words: tuple[syntax.Lexeme, ...]) -> list[Segment]:
        first = words[0][2]
        key = "".join(f" {column - first:d}:{text}" for _, text, column in words)
        return self.atoms.atom(key, first, lambda: self.segments(words))

    def entries(self, entries: Sequence[Entry], text: str, typed: str) -> Node:
        """The term of the one entry ``typed`` means among those it names (see :mod:`.sense`)."""
        unique = list({e.id: e for e in entries}.values())
        chosen, others = prefer(unique, typed, self.atoms.order)
        return entry_term(chosen, text, tuple(e.id for e in others))

    def segments(self, words: tuple[syntax.Lexeme, ...]) -> list[Segment]:
        """Cut bare words greedily into the longest aliases; other words are keywords."""
        first_column = words[0][2]
        source = ""
        folded: list[str] = []
        spans: list[tuple[int, int]] = []
        for _, word, column in words:
            offset = column - first_column
            source = source.ljust(offset) + word
            for tok in tokens(word):
                folded.append(tok.folded)
                spans.append((offset + tok.start, offset + tok.end))
        if not folded:
            raise QueryError("these words hold nothing to search for", 0)
        out: list[Segment] = []
        i = 0
        while i < len(folded):
            n, found = self.vocabulary.longest_alias_at(folded, i)
            n = max(n, 1) if found else 1
            start, end = spans[i][0], spans[i + n - 1][1]
            text = source[start:end]
            out.append((self.entries(found, text, text) if found else keyword_term(folded[i], text), start))
            i += n
        return out

    def phrase_atom(self, text: str) -> list[Segment]:
        found = self.vocabulary.resolve(text)
        if found:
            return [(self.entries(found, f'"{text}"', text), 0)]
        words = [t.folded for t in tokens(text)]
        if not words:
            raise QueryError("empty phrase", 0)
        return [(phrase_term(words, f'"{text}"'), 0)]

    def field_atom(self, name: str, value: str, offset: int) -> list[Segment]:
        written = f'{name}:"{value}"' if " " in value else f"{name}:{value}"
        if name in ("actor", "topic"):
            return [(self.entries(self.by_kind(name, value, offset), written, value), 0)]
        if name == "lang":
            code = value.strip().lower()
            if not _LANG.match(code):
                raise QueryError(f"lang: wants a language code such as fr or en, not {value!r}", offset)
            return [(Term("lang", code, written, (f"l:{code}",)), 0)]
        if name == "source":
            domain = value.strip().lower().removeprefix("www.").rstrip(".")
            if not _DOMAIN.match(domain):
                raise QueryError(f"source: wants a domain such as example.com, not {value!r}", offset)
            return [(Term("source", domain, written, (f"s:{domain}",)), 0)]
        words = [t.folded for t in tokens(value)]
        if not words:
            raise QueryError(f"word: holds no word to search for in {value!r}", offset)
        return [(keyword_term(words[0], written) if len(words) == 1 else phrase_term(words, written), 0)]

    def by_kind(self, field: str, value: str, offset: int) -> list[Entry]:
        vocabulary = self.vocabulary

        def wanted(entry: Entry) -> bool:
            return (entry.kind == "topic") == (field == "topic")

        entry = vocabulary.entries.get(value) or vocabulary.entries.get(fold(value).replace(" ", "-"))
        if entry is not None and wanted(entry):
            return [entry]
        found = [e for e in vocabulary.resolve(value) if wanted(e)]
        if found:
            return found
        ids = [s for s in vocabulary.suggest(value, n=10) if wanted(vocabulary.entries[s])][:3]
        hint = f" (did you mean {', '.join(ids)}?)" if ids else ""
        raise QueryError(f"unknown {field} id {value!r}{hint}", offset)
