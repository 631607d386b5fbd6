"""Article text out of a web page (trafilatura), and new article links out of a section page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html  # type: ignore[import-untyped]
import trafilatura
from lxml import etree

from services.ingest.text import language, one_line, tidy, without_boilerplate
from shared.models import MAX_TITLE_CHARS

_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_ARTICLE_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}", re.IGNORECASE)
_NUMBERED = re.compile(r"\d{3,}")
_SECTION_PATH = re.compile(
    r"/(?:tag|tags|category|categorie|rubrique|page|author|auteur|search|recherche|feed|rss|login|contact)(?:/|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Page:
    """The main content of an article page."""

    title: str
    text: str
    published: datetime | None
    lang: str | None


def extract_page(html: str, url: str, max_chars: int) -> Page | None:
    """Extract title, clean text, date and language of an article page; None if it has no main text."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
    )
    if document is None or isinstance(document, dict):
        return None
    title = one_line(document.title or "")[:MAX_TITLE_CHARS]
    text = without_boilerplate(tidy(document.text or ""), title)[:max_chars]
    if not text:
        return None
    declared = _HTML_LANG.search(html[:4096])
    return Page(
        title=title,
        text=text,
        published=_day(document.date),
        lang=language(document.language) or (language(declared.group(1)) if declared else None),
    )


def _day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def looks_like_article(url: str) -> bool:
    """Tell whether a link path looks like one article rather than a section, tag or home page."""
    path = urlsplit(url).path
    if _SECTION_PATH.search(path):
        return False
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return bool(_ARTICLE_SLUG.search(last) or (_NUMBERED.search(path) and path.count("/") >= 2))


def article_links(html: str, page_url: str, limit: int) -> list[tuple[str, str]]:
    """Return (url, link text) of the article links of a section page, on its own site, in page order."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    host = _host(page_url)
    seen = {urldefrag(page_url).url}
    found: list[tuple[str, str]] = []
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        url = urldefrag(urljoin(page_url, href.strip())).url
        if url in seen or not url.startswith(("http://", "https://")) or _host(url) != host:
            continue
        seen.add(url)
        if looks_like_article(url):
            found.append((url, one_line(anchor.text_content())[:MAX_TITLE_CHARS]))
            if len(found) >= limit:
                break
    return found
