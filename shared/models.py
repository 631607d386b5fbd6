"""Payloads of every stream: the contracts between the services.

Each model is frozen, refuses unknown fields and carries ``schema_version`` so a
consumer can tell an old or foreign payload from a bad one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION: Literal[1] = 1
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 2_000_000

ActorKind = Literal["country", "organisation", "armed_group", "person", "company"]
TextField = Literal["title", "text"]


class Contract(BaseModel):
    """Base of every stream payload: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    schema_version: Literal[1] = SCHEMA_VERSION


def utc_now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Article(Contract):
    """An article as ingest publishes it: clean text with a stable id."""

    id: str = Field(min_length=8, max_length=64, pattern=r"^[0-9a-f]+$")
    url: str | None = Field(default=None, max_length=4_096)
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    source: str = Field(default="", max_length=255)
    published: datetime | None = None
    fetched: datetime = Field(default_factory=utc_now)
    lang: str | None = Field(default=None, min_length=2, max_length=8)
    feed: str | None = Field(default=None, max_length=128)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must be an http or https URL")
        return value

    @field_validator("published", "fetched")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _as_utc(value)

    def digest(self) -> str:
        """Digest of the title and text exactly as they are (whitespace too); not of the dates, URL, source or feed."""
        # no whitespace folding here: ingest publishes tidied text already, and splitting
        # 600 words to fold it cost more than the hash (the stage computes this per entry)
        digest = hashlib.sha256(self.title.encode())
        digest.update(b"\x1f")
        digest.update(self.text.encode())
        return digest.hexdigest()[:32]

    @model_validator(mode="after")
    def _has_content(self) -> Article:
        if not self.title.strip() and not self.text.strip():
            raise ValueError("an article needs a title or a text")
        return self


class Mention(Contract):
    """Where a tag's evidence sits: field, character offsets and the matched text."""

    field: TextField
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class ActorTag(Contract):
    """An actor found in an article, with every mention that supports it."""

    id: str
    name: str
    kind: ActorKind
    wikidata: str | None = None
    salience: float = Field(ge=0.0, le=1.0)
    mentions: tuple[Mention, ...] = ()


class TopicTag(Contract):
    """A topic from the fixed set, with its IPTC code and the cues that support it."""

    id: str
    iptc: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    mentions: tuple[Mention, ...] = ()


class MentionRecord(TypedDict):
    """A :class:`Mention` as plain data, keys in the model's order: its JSON is the model's JSON."""

    schema_version: Literal[1]
    field: TextField
    start: int
    end: int
    text: str


class ActorRecord(TypedDict):
    """An :class:`ActorTag` as plain data, keys in the model's order (how classify builds and sends it)."""

    schema_version: Literal[1]
    id: str
    name: str
    kind: ActorKind
    wikidata: str | None
    salience: float
    mentions: list[MentionRecord]


class TopicRecord(TypedDict):
    """A :class:`TopicTag` as plain data, keys in the model's order (how classify builds and sends it)."""

    schema_version: Literal[1]
    id: str
    iptc: str | None
    score: float
    mentions: list[MentionRecord]


class TaggedArticle(Contract):
    """An article after classify: language, actors, topics and the story it belongs to."""

    article: Article
    lang: str
    actors: tuple[ActorTag, ...] = ()
    topics: tuple[TopicTag, ...] = ()
    story: str
    tagged: datetime = Field(default_factory=utc_now)


class TermEvidence(Contract):
    """One rule term and what in the article satisfied it (empty when it did not hold)."""

    term: str
    kind: Literal["actor", "topic", "keyword", "phrase", "lang", "source"]
    ref: str
    held: bool
    negated: bool = False
    mentions: tuple[Mention, ...] = ()


class Alert(Contract):
    """A decision that one subscription must hear about one story on one channel.

    The channel is named by a digest of its target, never by the target itself, so
    secrets in chat URLs never travel through streams or dead letters.
    """

    id: str
    subscription: str
    subscription_name: str
    channel: str
    story: str
    tagged: TaggedArticle
    why: tuple[TermEvidence, ...] = ()
    created: datetime = Field(default_factory=utc_now)


class DeadLetter(Contract):
    """An entry a stage gave up on, kept whole so an operator can retry it."""

    origin_stream: str
    origin_id: str
    group: str
    reason: str
    deliveries: int
    failed_at: datetime = Field(default_factory=utc_now)
    payload_b64: str
