"""Feeds and their health, stored in Redis: what ingest polls and how each source is doing."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Literal

import redis.asyncio as aioredis
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.ingest.ids import canonical_url
from shared.errors import InputError
from shared.models import utc_now
from shared.streams import PREFIX

DEFAULT_INTERVAL_S = 300
MIN_INTERVAL_S = 30
MAX_INTERVAL_S = 7 * 86_400
FEEDS_KEY = f"{PREFIX}:feeds"
"""Set of feed ids."""

FeedKind = Literal["feed", "page"]

_SET_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
"""


def feed_key(feed_id: str) -> str:
    """The hash holding one feed's config (field ``config``) and health (field ``state``)."""
    return f"{PREFIX}:feed:{feed_id}"


def feed_id_of(url: str) -> str:
    """The id a feed gets from its URL when added; it stays when the URL later moves."""
    return hashlib.sha256(canonical_url(url).encode()).hexdigest()[:16]


class Feed(BaseModel):
    """A source ingest polls: an RSS/Atom/JSON feed, or a section page whose new article links it follows."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[0-9a-f]{16}$")
    url: str = Field(max_length=2_048)
    name: str = Field(default="", max_length=200)
    interval_s: int = Field(default=DEFAULT_INTERVAL_S, ge=MIN_INTERVAL_S, le=MAX_INTERVAL_S)
    enabled: bool = True
    kind: FeedKind = "feed"
    added: datetime = Field(default_factory=utc_now)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if not value.lower().startswith(("http://", "https://")) or "//" not in value[:9] or len(value) < 10:
            raise ValueError("must be an http:// or https:// URL")
        return value


class FeedState(BaseModel):
    """How a feed is doing, its HTTP validators and when it is due next."""

    model_config = ConfigDict(extra="ignore")

    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    articles_seen: int = 0
    etag: str | None = None
    last_modified: str | None = None
    next_due: float = 0.0
    """Epoch seconds; 0 means at once."""

    @property
    def status(self) -> str:
        """``ok``, ``failing`` or ``new`` (never polled)."""
        if self.consecutive_failures:
            return "failing"
        return "ok" if self.last_success else "new"


def new_feed(url: str, name: str | None = None, interval_s: int | None = None, kind: str = "feed") -> Feed:
    """Validate a feed as a user gave it; raise InputError naming the bad field."""
    values: dict[str, Any] = {"id": feed_id_of(url) if isinstance(url, str) else "0" * 16, "url": url, "kind": kind}
    if name is not None:
        values["name"] = name
    if interval_s is not None:
        values["interval_s"] = interval_s
    try:
        feed = Feed.model_validate(values)
    except ValidationError as exc:
        raise InputError(describe(exc)) from exc
    return feed if feed.name else feed.model_copy(update={"name": _default_name(feed.url)})


def describe(exc: ValidationError) -> str:
    """Say which field is wrong and why, one clause per problem."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'feed'}: {e['msg']}" for e in exc.errors())


def _default_name(url: str) -> str:
    host = canonical_url(url).split("/")[2]
    return host.removeprefix("www.")


class FeedStore:
    """Feeds in Redis: one hash per feed, a set of ids; health updates never resurrect a removed feed."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client
        self._set_if_exists = client.register_script(_SET_IF_EXISTS)

    async def put(self, feed: Feed) -> bool:
        """Store a feed (its health kept when it exists); return True when it is new."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(FEEDS_KEY, feed.id)
            pipe.hset(feed_key(feed.id), "config", feed.model_dump_json())
            added, _ = await pipe.execute()
        return bool(added)

    async def upsert(self, feed: Feed) -> tuple[Feed, FeedState, bool]:
        """Add a feed, or update the one with its id (keeping its health and a URL it moved to).

        Returns the stored feed, its state and whether it is new.
        """
        existing = await self.get(feed.id)
        if existing is not None:
            feed = feed.model_copy(update={"added": existing[0].added, "url": existing[0].url})
        await self.put(feed)
        return feed, existing[1] if existing else FeedState(), existing is None

    async def get(self, feed_id: str) -> tuple[Feed, FeedState] | None:
        """One feed and its state, or None."""
        raw = await self.client.hmget(feed_key(feed_id), ["config", "state"])
        return _load(raw[0], raw[1])

    async def remove(self, feed_id: str) -> bool:
        """Forget a feed; return False when there was none."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.srem(FEEDS_KEY, feed_id)
            pipe.delete(feed_key(feed_id), entries_key(feed_id))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def all(self) -> list[tuple[Feed, FeedState]]:
        """Every feed with its state, by name."""
        ids = sorted(i.decode() if isinstance(i, bytes) else str(i) for i in await self.client.smembers(FEEDS_KEY))
        async with self.client.pipeline(transaction=False) as pipe:
            for feed_id in ids:
                pipe.hmget(feed_key(feed_id), ["config", "state"])
            rows = await pipe.execute()
        loaded = [_load(config, state) for config, state in rows]
        return sorted((row for row in loaded if row is not None), key=lambda row: (row[0].name.lower(), row[0].id))

    async def save_state(self, feed_id: str, state: FeedState) -> bool:
        """Record a feed's state unless the feed was removed meanwhile."""
        return bool(await self._set_if_exists(keys=[feed_key(feed_id)], args=["state", state.model_dump_json()]))

    async def save_feed(self, feed: Feed) -> bool:
        """Update a feed's config (new URL, disabled) unless it was removed meanwhile."""
        return bool(await self._set_if_exists(keys=[feed_key(feed.id)], args=["config", feed.model_dump_json()]))


def entries_key(feed_id: str) -> str:
    """The hash of a feed's items already handled: article id -> digest of the item as last seen."""
    return f"{PREFIX}:feed:{feed_id}:entries"


def _load(config: bytes | str | None, state: bytes | str | None) -> tuple[Feed, FeedState] | None:
    if config is None:
        return None
    feed = Feed.model_validate_json(config)
    return feed, FeedState.model_validate_json(state) if state else FeedState()


async def upsert_feeds(store: FeedStore, entries: list[dict[str, Any]]) -> list[str]:
    """Load the ``feeds:`` entries of the config file; return one readable error per bad entry."""
    errors: list[str] = []
    for number, entry in enumerate(entries, start=1):
        label = f"feeds[{number}]"
        if not isinstance(entry, dict):
            errors.append(f"{label}: expected a mapping with name, url, interval_s")
            continue
        unknown = sorted(set(entry) - {"name", "url", "interval_s", "kind", "enabled"})
        label = f"{label} ({entry.get('name') or entry.get('url') or 'unnamed'})"
        if unknown:
            errors.append(f"{label}: unknown field(s) {', '.join(map(str, unknown))}")
            continue
        if not isinstance(entry.get("url"), str):
            errors.append(f"{label}: url: a feed needs an http(s) url")
            continue
        try:
            feed = new_feed(entry["url"], entry.get("name"), entry.get("interval_s"), entry.get("kind", "feed"))
            feed = feed.model_copy(update={"enabled": bool(entry.get("enabled", True))})
        except InputError as exc:
            errors.append(f"{label}: {exc}")
            continue
        await store.upsert(feed)
    return errors
