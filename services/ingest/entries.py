"""Items of a fetched feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed) as capped, clean entries."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from services.ingest.failures import FetchFailed
from services.ingest.guard import refuse_entities
from services.ingest.text import html_to_text, language, one_line
from shared.models import MAX_TITLE_CHARS

MAX_URL_CHARS = 4_096
MARKUP_PER_CHAR = 4
"""Markup read per character of text kept: a field is cut to this before it is turned into text."""
_ROOT = re.compile(rb"<([A-Za-z_][\w:.-]*)[\s>/]")


@dataclass(frozen=True)
class Entry:
    """One feed item: ``content`` is full text when the feed carries it, else empty."""

    link: str | None
    guid: str | None
    title: str
    summary: str
    content: str
    published: datetime | None
    lang: str | None


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's entries (at most the cap) and how many items past the cap were left out."""

    title: str
    entries: tuple[Entry, ...]
    dropped: int = 0


def parse_feed(body: bytes, url: str, content_type: str, max_items: int, max_chars: int) -> ParsedFeed:
    """Parse a fetched feed; raise FetchFailed with the reason when it is not a readable feed."""
    if _looks_json(body, content_type):
        return _json_feed(body, url, max_items, max_chars)
    refuse_entities(body)
    body, over = _first_items(body, max_items)
    # No sanitizing: every field becomes plain text through lxml, and feedparser's sanitizer takes
    # half a minute on a few MB of HTML. Relative links are resolved by _link.
    parsed = feedparser.parse(
        body,
        response_headers={"content-location": url, "content-type": content_type or "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    items = parsed.get("entries") or []
    if not items and parsed.get("bozo"):
        raise FetchFailed(f"not a readable feed: {parsed.get('bozo_exception')}")
    if not items and not parsed.get("version"):
        raise FetchFailed("not a readable feed: no RSS, Atom or JSON Feed document")
    feed = parsed.get("feed") or {}
    lang = language(feed.get("language"))
    entries = tuple(_xml_entry(item, url, lang, max_chars) for item in items[:max_items])
    return ParsedFeed(one_line(feed.get("title") or ""), entries, over + max(0, len(items) - max_items))


def _first_items(body: bytes, max_items: int) -> tuple[bytes, int]:
    """Cut an XML feed after its ``max_items``-th item, closing the document again.

    feedparser spends about a millisecond and a half per item, so a feed of 100,000 items would
    hold a worker for minutes; items past the cap are cut before parsing, not after.
    """
    for closer in (b"</item>", b"</entry>"):
        total = body.count(closer)
        if total <= max_items:
            continue
        end = -1
        for _ in range(max_items):
            end = body.find(closer, end + 1)
        root = _ROOT.search(body)
        name = root.group(1) if root else b"rss"
        tail = b"</channel></rss>" if name.lower() == b"rss" else b"</" + name + b">"
        return body[: end + len(closer)] + tail, total - max_items
    return body, 0


def _looks_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _link(value: Any, base: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    link = urljoin(base, value.strip())
    if not link.lower().startswith(("http://", "https://")) or len(link) > MAX_URL_CHARS:
        return None
    return link


def _title(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return one_line(html_to_text(value[: MAX_TITLE_CHARS * MARKUP_PER_CHAR]))[:MAX_TITLE_CHARS]


def _from_struct(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:6], tzinfo=UTC)
    except ValueError:
        return None


def _xml_entry(item: Any, base: str, feed_lang: str | None, max_chars: int) -> Entry:
    contents = item.get("content") or []
    markup_cap = max_chars * MARKUP_PER_CHAR
    content = "\n\n".join(html_to_text(part["value"][:markup_cap]) for part in contents if part.get("value"))
    summary = html_to_text((item.get("summary") or "")[:markup_cap])
    detail = item.get("title_detail") or {}
    return Entry(
        link=_link(item.get("link"), base),
        guid=(str(item.get("id") or "").strip() or None),
        title=_title(item.get("title")),
        summary=summary[:max_chars],
        content=content[:max_chars],
        published=_from_struct(item.get("published_parsed")) or _from_struct(item.get("updated_parsed")),
        lang=language(detail.get("language")) or feed_lang,
    )


def _json_feed(body: bytes, url: str, max_items: int, max_chars: int) -> ParsedFeed:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchFailed(f"not a readable JSON Feed: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith("https://jsonfeed.org/"):
        raise FetchFailed("not a JSON Feed: no jsonfeed.org version")
    items = document.get("items")
    if not isinstance(items, list):
        raise FetchFailed("not a JSON Feed: items is not a list")
    lang = language(document.get("language"))
    entries = tuple(_json_entry(item, url, lang, max_chars) for item in items[:max_items] if isinstance(item, dict))
    return ParsedFeed(_title(document.get("title")), entries, max(0, len(items) - max_items))


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_entry(item: dict[str, Any], base: str, feed_lang: str | None, max_chars: int) -> Entry:
    cap = max_chars * MARKUP_PER_CHAR
    html = item.get("content_html")
    plain = item.get("content_text")
    content = html_to_text(html[:cap]) if isinstance(html, str) else (plain if isinstance(plain, str) else "")
    summary = item.get("summary")
    guid = item.get("id")
    return Entry(
        link=_link(item.get("url") or item.get("external_url"), base),
        guid=str(guid).strip() or None if guid is not None else None,
        title=_title(item.get("title")),
        summary=html_to_text(summary[:cap])[:max_chars] if isinstance(summary, str) else "",
        content=content[:max_chars],
        published=_iso(item.get("date_published")) or _iso(item.get("date_modified")),
        lang=language(item.get("language") if isinstance(item.get("language"), str) else None) or feed_lang,
    )
