"""Cut article text into plain and highlighted pieces, from the mentions that satisfied a rule."""

from __future__ import annotations

from collections.abc import Iterable

from shared.models import Mention, TermEvidence, TextField

Piece = tuple[str, bool]
"""A piece of text and whether it is highlighted; still unescaped (templates escape)."""


def held_mentions(why: Iterable[TermEvidence], field: TextField) -> list[Mention]:
    """The mentions in ``field`` of the terms that held positively."""
    return [m for t in why if t.held and not t.negated for m in t.mentions if m.field == field]


def spans(text: str, mentions: Iterable[Mention]) -> list[tuple[int, int]]:
    """Valid, non-overlapping character spans of ``mentions`` in ``text``, in order."""
    found = sorted({(m.start, m.end) for m in mentions if 0 <= m.start < m.end <= len(text)})
    kept: list[tuple[int, int]] = []
    for start, end in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def pieces(text: str, mentions: Iterable[Mention]) -> list[Piece]:
    """Split ``text`` around the mentions, marking the mentioned parts."""
    out: list[Piece] = []
    cursor = 0
    for start, end in spans(text, mentions):
        if start > cursor:
            out.append((text[cursor:start], False))
        out.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        out.append((text[cursor:], False))
    return out
