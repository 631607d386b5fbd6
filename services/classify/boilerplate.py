"""Spans of scraped pages that are not the article: menus, share bars, credits, related links."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.vocabulary.folding import fold

_SEGMENT = r"[^\W\d_][\w'’\-]*(?:[ \t]+[\w'’\-]+){0,2}"
_MENU = re.compile(rf"(?:{_SEGMENT}[ \t]*[|•·›»/][ \t]*){{2,}}{_SEGMENT}")
_LINE = re.compile(r"[^\n]+")
_PREFIXES = (
    "lire aussi",
    "a lire aussi",
    "a lire",
    "lire la suite",
    "voir aussi",
    "sur le meme sujet",
    "read more",
    "read also",
    "see also",
    "related",
    "more on this",
    "photo",
    "credit",
    "(photo",
    "©",
    "(c)",
    "copyright",
    "commentaire",
    "comments",
    "abonnez",
    "subscribe",
    "newsletter",
    "publicite",
    "advertisement",
    "tous droits",
    "all rights",
    "suivez-nous",
    "follow us",
    "mots-cles",
    "articles similaires",
    "les plus lus",
    "most read",
)
_NAV = (
    "partager",
    "share",
    "tags",
    "ecouter",
    "listen",
    "regarder",
    "watch",
    "accueil",
    "home",
    "menu",
    "rechercher",
    "search",
    "connexion",
    "sign in",
    "log in",
    "s'inscrire",
    "a la une",
)
_PREFIX_LINE_CHARS = 160
_SHORT_LINE_WORDS = 4
_SHORT_LINE_CHARS = 40


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """Character ranges of a text to skip: ``noise`` for everything, ``labels`` for topics only."""

    noise: tuple[tuple[int, int], ...] = ()
    labels: tuple[tuple[int, int], ...] = ()

    def is_noise(self, start: int) -> bool:
        """Whether offset ``start`` lies in a menu, credit or related-link span."""
        return any(a <= start < b for a, b in self.noise)

    def is_label(self, start: int) -> bool:
        """Whether offset ``start`` lies in a short line that reads like a heading or a menu item."""
        return self.is_noise(start) or any(a <= start < b for a, b in self.labels)


def _is_label(line: str) -> bool:
    short = len(line.split()) <= _SHORT_LINE_WORDS and len(line) < _SHORT_LINE_CHARS
    return short and line[-1] not in '.!?:;»"”'


def find_boilerplate(text: str) -> Boilerplate:
    """Find menus ("Accueil | Politique | Sports"), credit and related lines, and label-like short lines."""
    noise = [m.span() for m in _MENU.finditer(text)]
    labels = []
    if "\n" in text:
        for line in _LINE.finditer(text):
            content = line.group().strip()
            if not content:
                continue
            folded = fold(content)
            if (folded.startswith(_PREFIXES) and len(content) <= _PREFIX_LINE_CHARS) or (
                folded.startswith(_NAV) and len(content) < _SHORT_LINE_CHARS
            ):
                noise.append(line.span())
            elif (
                len(content.split()) <= _SHORT_LINE_WORDS
                and len(content) < _SHORT_LINE_CHARS
                and content[-1] not in '.!?:;»"”'
            ):
                labels.append(line.span())
    return Boilerplate(tuple(noise), tuple(labels))
