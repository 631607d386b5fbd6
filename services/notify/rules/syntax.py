"""The watch-rule grammar: tokens and a parse tree whose every node knows its column.

    query = or ;  or = and { ("OR" | "|") and } ;  and = unary { ["AND" | "+" | "&"] unary }
    unary = ("NOT" | "-") unary | atom ;  atom = "(" or ")" | field ":" value | '"' phrase '"' | words

This module only reads the text; resolving words into actors, topics and keywords
is :mod:`services.notify.rules.query`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from shared.errors import QueryError

MAX_QUERY_CHARS = 1_000
FIELDS = frozenset({"actor", "topic", "word", "lang", "source"})

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<open>\()
      | (?P<close>\))
      | (?P<quote>"[^"]*")
      | (?P<badquote>"[^"]*$)
      | (?P<field>[A-Za-z_]+):(?=[^\s()])
      | (?P<or>\|)
      | (?P<and>[+&])
      | (?P<not>-(?=[^\s]))
      | (?P<dash>-)
      | (?P<word>[^\s()"|&+]+)
    """,
    re.VERBOSE,
)
_OPERATOR_WORDS = {"and": "and", "or": "or", "not": "not"}

Kind = Literal["open", "close", "quote", "field", "or", "and", "not", "word", "end"]


@dataclass(frozen=True, slots=True)
class Lexeme:
    """One token of a query: its kind, its text and its 1-based column."""

    kind: Kind
    text: str
    column: int


@dataclass(frozen=True, slots=True)
class Words:
    """Bare words side by side, to be segmented into aliases and keywords."""

    words: tuple[Lexeme, ...]


@dataclass(frozen=True, slots=True)
class Phrase:
    """A quoted phrase; ``text`` is without the quotes."""

    text: str
    column: int


@dataclass(frozen=True, slots=True)
class Field:
    """``field:value``; ``value`` may come from a quoted phrase."""

    name: str
    value: str
    column: int
    value_column: int


@dataclass(frozen=True, slots=True)
class Negation:
    """``NOT x`` or ``-x``."""

    child: Tree
    column: int


@dataclass(frozen=True, slots=True)
class Conjunction:
    """Every child must hold."""

    children: tuple[Tree, ...]


@dataclass(frozen=True, slots=True)
class Disjunction:
    """At least one child must hold."""

    children: tuple[Tree, ...]


Tree = Words | Phrase | Field | Negation | Conjunction | Disjunction


def lex(text: str) -> list[Lexeme]:
    """Split a query into lexemes, refusing unterminated quotes."""
    out: list[Lexeme] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        column = m.start() + 1
        if kind == "space":
            continue
        if kind == "badquote":
            raise QueryError("unterminated quote", column)
        if kind == "dash":
            raise QueryError("'-' must be followed by the term it excludes, as in -AES", column)
        if kind == "word" and m.group().endswith(":") and m.group()[:-1].isalpha():
            raise QueryError(f"{m.group()} needs a value right after the colon", column)
        if kind == "word" and m.group().lower() in _OPERATOR_WORDS:
            out.append(Lexeme(_OPERATOR_WORDS[m.group().lower()], m.group(), column))  # type: ignore[arg-type]
        else:
            out.append(Lexeme(kind, m.group(), column))  # type: ignore[arg-type]
    out.append(Lexeme("end", "", len(text) + 1))
    return out


def parse(text: str) -> Tree:
    """Parse a query into a tree, or raise :class:`QueryError` naming the column."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is longer than {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS + 1)
    if not text.strip():
        raise QueryError("empty query", 1)
    parser = _Parser(lex(text))
    tree = parser.disjunction()
    tail = parser.peek()
    if tail.kind == "close":
        raise QueryError("unbalanced parenthesis: ')' has no matching '('", tail.column)
    return tree


_STARTS_OPERAND = frozenset({"open", "quote", "field", "not", "word"})
_OPERATOR_NAMES = {"and": "AND", "or": "OR", "not": "NOT"}


class _Parser:
    """Recursive descent over lexemes; ``pos`` points at the next unread one."""

    def __init__(self, lexemes: list[Lexeme]) -> None:
        self.lexemes = lexemes
        self.pos = 0

    def peek(self) -> Lexeme:
        return self.lexemes[self.pos]

    def take(self) -> Lexeme:
        lexeme = self.lexemes[self.pos]
        self.pos += 1
        return lexeme

    def disjunction(self) -> Tree:
        children = [self.conjunction()]
        while self.peek().kind == "or":
            self.take()
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else Disjunction(tuple(children))

    def conjunction(self) -> Tree:
        children = [self.unary()]
        while True:
            nxt = self.peek()
            if nxt.kind == "and":
                self.take()
            elif nxt.kind not in _STARTS_OPERAND:
                break
            children.append(self.unary())
        return children[0] if len(children) == 1 else Conjunction(tuple(children))

    def unary(self) -> Tree:
        nxt = self.peek()
        if nxt.kind == "not":
            self.take()
            return Negation(self.unary(), nxt.column)
        return self.atom()

    def atom(self) -> Tree:
        lexeme = self.take()
        if lexeme.kind == "open":
            if self.peek().kind == "close":
                raise QueryError("empty parentheses", lexeme.column)
            inner = self.disjunction()
            if self.peek().kind != "close":
                raise QueryError("unbalanced parenthesis: '(' is never closed", lexeme.column)
            self.take()
            return inner
        if lexeme.kind == "quote":
            return Phrase(lexeme.text[1:-1], lexeme.column)
        if lexeme.kind == "field":
            return self.field(lexeme)
        if lexeme.kind == "word":
            words = [lexeme]
            while self.peek().kind == "word":
                words.append(self.take())
            return Words(tuple(words))
        raise self.missing_operand(lexeme)

    def field(self, lexeme: Lexeme) -> Field:
        name = lexeme.text[:-1].lower()
        if name not in FIELDS:
            known = ", ".join(sorted(FIELDS))
            raise QueryError(f"unknown field {name!r} (known fields: {known})", lexeme.column)
        value = self.take()
        if value.kind == "quote":
            return Field(name, value.text[1:-1], lexeme.column, value.column)
        if value.kind in ("word", "field"):
            return Field(name, value.text, lexeme.column, value.column)
        raise QueryError(f"{name}: needs a value", lexeme.column)

    def missing_operand(self, lexeme: Lexeme) -> QueryError:
        previous = self.lexemes[self.pos - 2] if self.pos >= 2 else None
        if previous is not None and previous.kind in _OPERATOR_NAMES:
            name = _OPERATOR_NAMES[previous.kind]
            return QueryError(f"dangling operator: {name} has nothing after it", previous.column)
        if lexeme.kind in ("and", "or"):
            name = _OPERATOR_NAMES[lexeme.kind]
            return QueryError(f"dangling operator: {name} has nothing before it", lexeme.column)
        if lexeme.kind == "close":
            return QueryError("unbalanced parenthesis: ')' has no matching '('", lexeme.column)
        return QueryError("expected a term", lexeme.column)
