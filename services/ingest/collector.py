"""Turning one fetched source into articles: feed items with full text, or new links of a section page."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field

import redis.asyncio as aioredis
from pydantic import ValidationError
from redis.typing import EncodableT, FieldT

from services.ingest.entries import Entry, parse_feed
from services.ingest.extractor import Page, article_links, extract_page
from services.ingest.failures import FetchFailed
from services.ingest.feeds import Feed, FeedState, entries_key
from services.ingest.fetcher import FEED_ACCEPT, PAGE_ACCEPT, Fetched, Fetcher
from services.ingest.ids import article_id, source_of
from services.ingest.settings import IngestSettings
from services.ingest.text import decode_html
from shared.models import Article
from shared.streams import ARTICLE_TTL_S

logger = logging.getLogger(__name__)

FULL_SUMMARY_CHARS = 2_000
"""A summary this long is taken as the full text: no page fetch."""
NOT_AN_ARTICLE = "-"


@dataclass
class Harvest:
    """What one poll of a source yielded: articles to admit and the items to remember as handled."""

    fetched: Fetched
    articles: list[Article] = field(default_factory=list)
    marks: dict[str, str] = field(default_factory=dict)


class Collector:
    """Fetches a source and builds its new or edited articles."""

    def __init__(self, fetcher: Fetcher, client: aioredis.Redis, settings: IngestSettings) -> None:
        self.fetcher = fetcher
        self.client = client
        self.settings = settings

    async def collect(self, feed: Feed, state: FeedState) -> Harvest:
        """Fetch ``feed`` (conditionally) and return its articles not handled before."""
        accept = PAGE_ACCEPT if feed.kind == "page" else FEED_ACCEPT
        fetched = await self.fetcher.fetch(feed.url, state.etag, state.last_modified, accept=accept)
        harvest = Harvest(fetched)
        if fetched.status == 304:
            return harvest
        seen = await self._seen(feed.id)
        if feed.kind == "page":
            await self._from_page(feed, harvest, seen)
        else:
            await self._from_feed(feed, harvest, seen)
        return harvest

    async def remember(self, feed_id: str, harvest: Harvest) -> None:
        """Record the items of the latest document as handled (older ones are forgotten)."""
        if harvest.fetched.status == 304:
            return
        key = entries_key(feed_id)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if harvest.marks:
                mapping: dict[FieldT, EncodableT] = {k: v for k, v in harvest.marks.items()}
                pipe.hset(key, mapping=mapping)
                pipe.expire(key, ARTICLE_TTL_S)
            await pipe.execute()

    async def _seen(self, feed_id: str) -> dict[str, str]:
        raw = await self.client.hgetall(entries_key(feed_id))
        return {_text(k): _text(v) for k, v in raw.items()}

    async def _from_feed(self, feed: Feed, harvest: Harvest, seen: dict[str, str]) -> None:
        fetched, settings = harvest.fetched, self.settings
        parsed = await asyncio.to_thread(
            parse_feed,
            fetched.body,
            fetched.url,
            fetched.content_type,
            settings.max_items_per_feed,
            settings.max_text_chars,
        )
        if parsed.dropped:
            logger.warning("feed has %d items past the cap; ignored", parsed.dropped, extra={"feed": feed.id})
        for entry in parsed.entries:
            ident = article_id(entry.link, feed.id, entry.guid, entry.title, entry.published)
            mark = _mark(entry.title, entry.summary, entry.content)
            if ident in harvest.marks:
                continue
            if seen.get(ident) == mark:
                harvest.marks[ident] = mark
                continue
            article, complete = await self._article(feed, ident, entry)
            if article is not None:
                harvest.articles.append(article)
            if complete:
                harvest.marks[ident] = mark

    async def _article(self, feed: Feed, ident: str, entry: Entry) -> tuple[Article | None, bool]:
        """Build an entry's article, fetching its page when the feed gives a summary only.

        The second value is False when the page could not be fetched: the item is then tried
        again at the next poll, and its full text published as an update.
        """
        page: Page | None = None
        complete = True
        if not entry.content and entry.link and self.settings.full_text and len(entry.summary) < FULL_SUMMARY_CHARS:
            try:
                page = await self._page(entry.link)
            except FetchFailed as exc:
                complete = False
                logger.warning("full text of %s not fetched: %s", entry.link, exc.reason, extra={"feed": feed.id})
        return self._build(feed, ident, entry, page), complete

    def _build(self, feed: Feed, ident: str, entry: Entry, page: Page | None) -> Article | None:
        try:
            return Article(
                id=ident,
                url=entry.link,
                title=entry.title or (page.title if page else ""),
                text=entry.content or (page.text if page else "") or entry.summary,
                source=source_of(entry.link or feed.url),
                published=entry.published or (page.published if page else None),
                lang=(page.lang if page else None) or entry.lang,
                feed=feed.id,
            )
        except ValidationError as exc:
            logger.warning("item skipped: %s", exc.errors()[0]["msg"], extra={"feed": feed.id, "article_id": ident})
            return None

    async def _page(self, url: str) -> Page | None:
        fetched = await self.fetcher.fetch(url, accept=PAGE_ACCEPT)
        html = decode_html(fetched.body, fetched.content_type)
        return await asyncio.to_thread(extract_page, html, fetched.url, self.settings.max_text_chars)

    async def _from_page(self, feed: Feed, harvest: Harvest, seen: dict[str, str]) -> None:
        fetched = harvest.fetched
        html = decode_html(fetched.body, fetched.content_type)
        for url, anchor in article_links(html, fetched.url, self.settings.max_page_links):
            ident = article_id(url)
            if ident in seen:
                harvest.marks[ident] = seen[ident]
                continue
            try:
                page = await self._page(url)
            except FetchFailed as exc:
                logger.warning("article %s not fetched: %s", url, exc.reason, extra={"feed": feed.id})
                continue
            entry = Entry(url, None, page.title if page else anchor, "", "", None, None)
            article = self._build(feed, ident, entry, page) if page else None
            harvest.marks[ident] = article.digest() if article else NOT_AN_ARTICLE
            if article is not None:
                harvest.articles.append(article)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _mark(*parts: str) -> str:
    """Digest of an item as the feed shows it, date left out: a bumped date changes nothing."""
    return hashlib.sha256("\x1f".join(" ".join(p.split()) for p in parts).encode()).hexdigest()[:32]
