"""The watch-rule grammar: tokens and a parse tree whose every node knows its column.

    query = or ;  or = and { ("OR" | "|") and } ;  and = unary { ["AND" | "+" | "&"] unary }
    unary = ("NOT" | "-") unary | atom ;  atom = "(" or ")" | field ":" value | '"' phrase '"' | words

This module only reads the text; resolving words into actors, topics and keywords
is :mod:`services.notify.rules.query`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from shared.errors import QueryError

MAX_QUERY_CHARS = 1_000
FIELDS = frozenset({"actor", "topic", "word", "lang", "source"})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\()
      | (?P<close>\))
      | (?P<quote>"[^"]*")
      | (?P<badquote>"[^"]*$)
      | (?P<field>[A-Za-z_]+:(?:"[^"]*"|[^\s()"|&+]+))
      | (?P<or>\|)
      | (?P<and>[+&])
      | (?P<not>-(?=[^\s]))
      | (?P<dash>-)
      | (?P<word>[^\s()"|&+]+)
    )""",
    re.VERBOSE,
)
Kind = Literal["open", "close", "quote", "field", "or", "and", "not", "word", "end"]
_OPERATOR_WORDS: dict[str, Kind] = {"and": "and", "or": "or", "not": "not"}

Lexeme = tuple[Kind, str, int]
"""One token of a query: its kind, its text and its 1-based column (a tuple: queries are lexed by the 100,000)."""
KIND, TEXT, COLUMN = 0, 1, 2


@dataclass(slots=True)
class Words:
    """Bare words side by side, to be segmented into aliases and keywords."""

    words: tuple[Lexeme, ...]


@dataclass(slots=True)
class Phrase:
    """A quoted phrase; ``text`` is without the quotes."""

    text: str
    column: int


@dataclass(slots=True)
class Field:
    """``field:value``; ``value`` may come from a quoted phrase."""

    name: str
    value: str
    column: int
    value_column: int


@dataclass(slots=True)
class Negation:
    """``NOT x`` or ``-x``; over bare words it excludes only the first alias or word."""

    child: Tree
    column: int


@dataclass(slots=True)
class Conjunction:
    """Every child must hold."""

    children: tuple[Tree, ...]


@dataclass(slots=True)
class Disjunction:
    """At least one child must hold."""

    children: tuple[Tree, ...]


Tree = Words | Phrase | Field | Negation | Conjunction | Disjunction
T = TypeVar("T")


class Builder(Protocol[T]):
    """What the parser calls to build a node of type ``T`` from each construct it reads."""

    def words(self, words: tuple[Lexeme, ...]) -> T: ...
    def phrase(self, text: str, column: int) -> T: ...
    def field(self, lexeme: Lexeme) -> T: ...
    def negation(self, child: T, column: int) -> T: ...
    def negated_words(self, words: tuple[Lexeme, ...], column: int) -> T: ...
    def conjunction(self, children: list[T]) -> T: ...
    def disjunction(self, children: list[T]) -> T: ...


class TreeBuilder:
    """Build the plain parse tree (what :func:`parse` returns)."""

    def words(self, words: tuple[Lexeme, ...]) -> Tree:
        return Words(words)

    def phrase(self, text: str, column: int) -> Tree:
        return Phrase(text, column)

    def field(self, lexeme: Lexeme) -> Tree:
        return field_of(lexeme)

    def negation(self, child: Tree, column: int) -> Tree:
        return Negation(child, column)

    def negated_words(self, words: tuple[Lexeme, ...], column: int) -> Tree:
        return Negation(Words(words), column)

    def conjunction(self, children: list[Tree]) -> Tree:
        return Conjunction(tuple(children))

    def disjunction(self, children: list[Tree]) -> Tree:
        return Disjunction(tuple(children))


def lex(text: str) -> list[Lexeme]:
    """Split a query into lexemes, refusing unterminated quotes and lone dashes."""
    out: list[Lexeme] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind is None:
            continue  # trailing spaces
        value = m.group(kind)
        column = m.start(kind) + 1
        if kind == "word":
            lowered = value.lower()
            if lowered in _OPERATOR_WORDS:
                out.append((_OPERATOR_WORDS[lowered], value, column))
                continue
            if value.endswith(":") and value[:-1].isalpha():
                raise QueryError(f"{value} needs a value right after the colon", column)
        elif kind == "badquote":
            raise QueryError("unterminated quote", column)
        elif kind == "dash":
            raise QueryError("'-' must be followed by the term it excludes, as in -AES", column)
        out.append((kind, value, column))  # type: ignore[arg-type]
    out.append(("end", "", len(text) + 1))
    return out


def parse(text: str) -> Tree:
    """Parse a query into a tree, or raise :class:`QueryError` naming the column."""
    return build(text, TreeBuilder())


def build(text: str, builder: Builder[T]) -> T:
    """Parse ``text``, handing each construct to ``builder``; raise :class:`QueryError` naming the column."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is longer than {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS + 1)
    if not text.strip():
        raise QueryError("empty query", 1)
    parser = _Parser(lex(text), builder)
    tree = parser.disjunction()
    kind, _, column = parser.lexemes[parser.pos]
    if kind == "close":
        raise QueryError("unbalanced parenthesis: ')' has no matching '('", column)
    return tree


_STARTS_OPERAND = frozenset({"open", "quote", "field", "not", "word"})
_OPERATORS = frozenset({"and", "or", "not"})


class _Parser(Generic[T]):
    """Recursive descent over lexemes; ``pos`` points at the next unread one."""

    def __init__(self, lexemes: list[Lexeme], builder: Builder[T]) -> None:
        self.lexemes = lexemes
        self.pos = 0
        self.builder = builder

    def disjunction(self) -> T:
        children = [self.conjunction()]
        while self.lexemes[self.pos][KIND] == "or":
            self.pos += 1
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else self.builder.disjunction(children)

    def conjunction(self) -> T:
        children = [self.unary()]
        lexemes = self.lexemes
        while True:
            kind = lexemes[self.pos][KIND]
            if kind == "and":
                self.pos += 1
            elif kind not in _STARTS_OPERAND:
                break
            children.append(self.unary())
        return children[0] if len(children) == 1 else self.builder.conjunction(children)

    def unary(self) -> T:
        kind, _, column = self.lexemes[self.pos]
        if kind != "not":
            return self.atom()
        self.pos += 1
        if self.lexemes[self.pos][KIND] == "word":
            return self.builder.negated_words(self.words(), column)
        return self.builder.negation(self.unary(), column)

    def words(self) -> tuple[Lexeme, ...]:
        lexemes = self.lexemes
        start = self.pos
        while lexemes[self.pos][KIND] == "word":
            self.pos += 1
        return tuple(lexemes[start : self.pos])

    def atom(self) -> T:
        lexeme = self.lexemes[self.pos]
        kind, text, column = lexeme
        if kind == "word":
            return self.builder.words(self.words())
        self.pos += 1
        if kind == "field":
            return self.builder.field(lexeme)
        if kind == "quote":
            return self.builder.phrase(text[1:-1], column)
        if kind == "open":
            if self.lexemes[self.pos][KIND] == "close":
                raise QueryError("empty parentheses", column)
            inner = self.disjunction()
            if self.lexemes[self.pos][KIND] != "close":
                raise QueryError("unbalanced parenthesis: '(' is never closed", column)
            self.pos += 1
            return inner
        raise self.missing_operand(lexeme)

    def missing_operand(self, lexeme: Lexeme) -> QueryError:
        kind, text, column = lexeme
        if self.pos >= 2 and self.lexemes[self.pos - 2][KIND] in _OPERATORS:
            _, previous, previous_column = self.lexemes[self.pos - 2]
            return QueryError(f"dangling operator: {previous.upper()} has nothing after it", previous_column)
        if kind in ("and", "or"):
            return QueryError(f"dangling operator: {text.upper()} has nothing before it", column)
        if kind == "close":
            return QueryError("unbalanced parenthesis: ')' has no matching '('", column)
        return QueryError("expected a term", column)


def field_of(lexeme: Lexeme) -> Field:
    """Split a ``name:value`` lexeme, refusing unknown field names."""
    _, text, column = lexeme
    name, _, value = text.partition(":")
    name = name.lower()
    if name not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise QueryError(f"unknown field {name!r} (known fields: {known})", column)
    value_column = column + len(name) + 1
    if value.startswith('"'):
        return Field(name, value[1:-1], column, value_column + 1)
    return Field(name, value, column, value_column)
