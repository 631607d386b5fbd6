"""What a reader sees of one alert: title, link, source, time, snippet with highlights, and why it fired.

Pure functions over :class:`shared.models.Alert`; the renderers escape, this module never does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.models import Alert, Mention, TermEvidence

SNIPPET_CHARS = 320
MAX_WHY_ITEMS = 8
MAX_EVIDENCE_PER_FIELD = 3

_SPACES = re.compile(r" {2,}")

Segment = tuple[str, bool]
"""A piece of snippet text and whether it is highlighted."""


@dataclass(frozen=True)
class StoryView:
    """One alert flattened for templates: every string is raw article text, still unescaped."""

    rule: str
    title: str
    url: str | None
    source: str
    published: str
    lang: str
    why: tuple[str, ...]
    snippet: tuple[Segment, ...]
    also: tuple[str, ...] = ()


def squash(text: str) -> str:
    """Turn every control or line-break character into a space and collapse runs of spaces."""
    if not text.isprintable():  # printable means no character of category C or Z but the plain space
        text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return _SPACES.sub(" ", text)


def one_line(text: str) -> str:
    """Like :func:`squash`, without leading or trailing spaces."""
    return squash(text).strip()


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    """Return the URL only when it is http(s) and free of control characters, else None."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    if url.isascii() and url.isprintable() and " " not in url:
        return url  # the common case, without a per-character look-up
    return None if any(unicodedata.category(c)[0] == "C" or c == " " for c in url) else url


def _evidence(term: TermEvidence) -> str:
    fields: dict[str, list[str]] = {}
    for m in term.mentions:
        quoted = f"'{one_line(m.text)}'"
        if quoted not in fields.setdefault(m.field, []):
            fields[m.field].append(quoted)
    parts = [f"{', '.join(q[:MAX_EVIDENCE_PER_FIELD])} in the {f}" for f, q in fields.items()]
    return f"{one_line(term.term)}: {', '.join(parts)}" if parts else one_line(term.term)


def why_lines(why: tuple[TermEvidence, ...]) -> tuple[str, ...]:
    """Say, per rule term, what in the article satisfied it (``Russia: 'Moscou' in the text``)."""
    lines = [_evidence(t) for t in why if t.held and not t.negated]
    lines += [f"not {one_line(t.term)}: absent" for t in why if t.negated and t.held]
    return tuple(lines[:MAX_WHY_ITEMS])


def _spans(text: str, mentions: list[Mention]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    folded = ""  # the whole text folded only when an offset drifted (up to 20k characters)
    for m in mentions:
        if 0 <= m.start < m.end <= len(text) and text[m.start : m.end].casefold() == m.text.casefold():
            spans.append((m.start, m.end))
            continue
        folded = folded or text.casefold()
        if m.text and (at := folded.find(m.text.casefold())) >= 0:
            spans.append((at, at + len(m.text)))
    return sorted(set(spans))


def snippet(text: str, why: tuple[TermEvidence, ...], limit: int = SNIPPET_CHARS) -> tuple[Segment, ...]:
    """Cut a window of the text around the first matched word, marking every matched word inside it."""
    mentions = [m for t in why if t.held and not t.negated for m in t.mentions if m.field == "text"]
    spans = _spans(text, mentions)
    start = max(spans[0][0] - limit // 3, 0) if spans else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(start + limit, len(text))
    segments: list[Segment] = [("…", False)] if start else []
    cursor = start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        segments += [(text[cursor:s], False), (text[s:e], True)]
        cursor = e
    segments.append((text[cursor:end], False))
    if end < len(text):
        segments.append(("…", False))
    return tuple((squash(t), hl) for t, hl in segments if t)


def relevance(alert: Alert) -> float:
    """Rank an alert in a digest: more terms held, more evidence, evidence in the title first."""
    held = [t for t in alert.why if t.held and not t.negated]
    mentions = [m for t in held for m in t.mentions]
    in_title = sum(1 for m in mentions if m.field == "title")
    return 10.0 * len(held) + 2.0 * in_title + min(len(mentions), 20)


def format_time(when: datetime | None, zone: ZoneInfo) -> str:
    """Render a publication time in the reader's zone, or an empty string when unknown."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if when else ""


def story_view(alert: Alert, zone: ZoneInfo, also: tuple[str, ...] = ()) -> StoryView:
    """Flatten an alert into what every renderer shows."""
    article = alert.tagged.article
    text = article.text
    title = one_line(article.title) or clip(one_line(text), 120)
    return StoryView(
        rule=one_line(alert.subscription_name),
        title=title,
        url=safe_url(article.url),
        source=one_line(article.source or article.feed or ""),
        published=format_time(article.published or article.fetched, zone),
        lang=alert.tagged.lang,
        why=why_lines(alert.why),
        snippet=snippet(text, alert.why),
        also=also,
    )


def group_stories(alerts: list[Alert]) -> list[tuple[Alert, tuple[str, ...]]]:
    """Group alerts by story, most relevant story first; each group's first outlet leads, others listed."""
    if len(alerts) == 1:
        return [(alerts[0], ())]  # a single alert, the common message: nothing to rank
    groups: dict[str, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: a.created):
        groups.setdefault(alert.story, []).append(alert)
    ranked = sorted(groups.values(), key=lambda g: (-max(relevance(a) for a in g), g[0].created))
    out: list[tuple[Alert, tuple[str, ...]]] = []
    for group in ranked:
        others = {one_line(a.tagged.article.source) for a in group[1:]} - {""}
        out.append((group[0], tuple(sorted(others))))
    return out
