"""Spans of scraped pages that are not the article: menus, share bars, credits, related links."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import Final

from shared.vocabulary.folding import fold

_SEPARATOR: Final = re.compile(r"[|•·›»]| / ")
_SEPARATOR_MARKS: Final = ("|", "•", "·", "›", "»", " / ")
"""What ``_SEPARATOR`` matches, as plain substrings: ``str.find`` finds them far quicker than the regex."""
_LINE: Final = re.compile(r"[^\n]+")
_PREFIXES: Final = (
    "lire aussi", "a lire aussi", "a lire", "lire la suite", "voir aussi", "sur le meme sujet", "read more",
    "read also", "see also", "related", "more on this", "photo", "credit", "(photo", "©", "(c)", "copyright",
    "commentaire", "comments", "abonnez", "subscribe", "newsletter", "publicite", "advertisement",
    "tous droits", "all rights", "suivez-nous", "follow us", "mots-cles", "articles similaires", "les plus lus",
    "most read", "(reporting by", "reporting by", "editing by", "writing by", "additional reporting",
    "(avec afp", "avec afp", "par notre correspondant", "de notre correspondant", "by our correspondent",
)  # fmt: skip
_NAV: Final = (
    "partager", "share", "tags", "ecouter", "listen", "regarder", "watch", "accueil", "home", "menu",
    "rechercher", "search", "connexion", "sign in", "log in", "s'inscrire", "a la une",
)  # fmt: skip
_PREFIX_LINE_CHARS: Final = 160
_SHORT_LINE_WORDS: Final = 4
_SHORT_LINE_CHARS: Final = 40
_MENU_ITEM_WORDS: Final = 3
_MENU_ITEM_CHARS: Final = 28
_MENU_MIN_ITEMS: Final = 3


class Spans:
    """Sorted, disjoint character ranges, for membership tests by bisection (the tagger asks once per hit)."""

    # plain classes, not dataclasses: mypyc builds them natively (two per article)
    __slots__ = ("ends", "starts")

    def __init__(self, starts: tuple[int, ...] = (), ends: tuple[int, ...] = ()) -> None:
        self.starts = starts
        self.ends = ends

    @classmethod
    def union(cls, ranges: Iterable[tuple[int, int]]) -> Spans:
        """The union of ``ranges``, overlapping and touching ones merged."""
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls(tuple(a for a, _ in merged), tuple(b for _, b in merged))

    def __contains__(self, offset: int) -> bool:
        at = bisect_right(self.starts, offset) - 1
        return at >= 0 and offset < self.ends[at]


class Boilerplate:
    """Character ranges of a text to skip: ``noise`` for everything, ``labels`` for topics only."""

    __slots__ = ("_either", "_noise", "labels", "noise")

    def __init__(self, noise: tuple[tuple[int, int], ...] = (), labels: tuple[tuple[int, int], ...] = ()) -> None:
        self.noise = noise
        self.labels = labels
        self._noise = Spans.union(noise)
        self._either = Spans.union((*noise, *labels))

    def __repr__(self) -> str:
        return f"Boilerplate(noise={self.noise!r}, labels={self.labels!r})"

    def is_noise(self, start: int) -> bool:
        """Whether offset ``start`` lies in a menu, credit or related-link span."""
        return start in self._noise

    def is_label(self, start: int) -> bool:
        """Whether offset ``start`` lies in noise or in a short line that reads like a heading or a menu item."""
        return start in self._either


def _short_item(segment: str) -> bool:
    stripped = segment.strip()
    return (
        0 < len(stripped) <= _MENU_ITEM_CHARS
        and not stripped[0].islower()
        and len(stripped.split()) <= _MENU_ITEM_WORDS
        and "\n" not in stripped
    )


def _marked_lines(text: str, least: int) -> list[tuple[int, int]]:
    """The (start, end) of every line holding at least ``least`` separator marks, in order.

    Found from the marks themselves: news text has few of them, so most lines are never looked at.
    """
    marks: dict[int, int] = {}
    for mark in _SEPARATOR_MARKS:
        at = text.find(mark)
        while at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            marks[line_start] = marks.get(line_start, 0) + 1
            at = text.find(mark, at + len(mark))
    lines = []
    for start in sorted(marks):
        if marks[start] >= least:
            end = text.find("\n", start)
            lines.append((start, len(text) if end < 0 else end))
    return lines


def _separator_count(line: str) -> int:
    """How many pieces ``_SEPARATOR.split`` cuts ``line`` into, less one (the marks never overlap).

    A closing guillemet paired with an opening one ends a French quotation, not a menu item.
    """
    count = sum(line.count(mark) for mark in _SEPARATOR_MARKS)
    return count - min(line.count("«"), line.count("»"))


def menus(text: str) -> list[tuple[int, int]]:
    """Runs of at least three short items joined by separators ("Accueil | Politique | Sports")."""
    runs: list[tuple[int, int]] = []
    for start, end in _marked_lines(text, _MENU_MIN_ITEMS - 1):
        line = text[start:end]
        if _separator_count(line) < _MENU_MIN_ITEMS - 1:
            continue
        parts, position = [], start
        for piece in _SEPARATOR.split(line):
            parts.append((position, position + len(piece), _short_item(piece)))
            position += len(piece)
            separator = _SEPARATOR.match(text, position)
            position = separator.end() if separator else position
        run: list[tuple[int, int, bool]] = []
        for part in [*parts, (0, 0, False)]:
            if part[2]:
                run.append(part)
                continue
            if len(run) >= _MENU_MIN_ITEMS:
                runs.append((run[0][0], run[-1][1]))
            run = []
    return runs


def _is_label(line: str) -> bool:
    short = len(line.split()) <= _SHORT_LINE_WORDS and len(line) < _SHORT_LINE_CHARS
    return short and line[-1] not in '.!?:;»"”'


def find_boilerplate(text: str) -> Boilerplate:
    """Find menus, credit and related-link lines, and label-like short lines."""
    noise = menus(text)
    labels = []
    if "\n" in text:
        for line in _LINE.finditer(text):
            content = line.group().strip()
            if not content or len(content) > _PREFIX_LINE_CHARS:
                continue  # a paragraph: neither a credit, a link line nor a label
            folded = fold(content[:24])
            if (folded.startswith(_PREFIXES) and len(content) <= _PREFIX_LINE_CHARS) or (
                folded.startswith(_NAV) and len(content) < _SHORT_LINE_CHARS
            ):
                noise.append(line.span())
            elif _is_label(content):
                labels.append(line.span())
    return Boilerplate(tuple(noise), tuple(labels))
