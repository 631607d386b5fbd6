"""`/api/feeds`: list feeds with their health, add one, remove one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.ingest.feeds import DEFAULT_INTERVAL_S, Feed, FeedState, FeedStore, new_feed
from shared.errors import InputError


class FeedIn(BaseModel):
    """A feed to add."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2_048)
    name: str | None = Field(default=None, max_length=200)
    interval_s: int = DEFAULT_INTERVAL_S
    kind: Literal["feed", "page"] = "feed"


class FeedOut(BaseModel):
    """A feed with its health."""

    id: str
    name: str
    url: str
    kind: str
    interval_s: int
    enabled: bool
    status: str
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    articles_seen: int


def feed_row(feed: Feed, state: FeedState) -> dict[str, Any]:
    """One feed and its health as a flat record (API and `feeds list --json` alike)."""
    return FeedOut(
        **feed.model_dump(include={"id", "name", "url", "kind", "interval_s", "enabled"}),
        status=state.status if feed.enabled else "disabled",
        **state.model_dump(
            include={"last_success", "last_error", "last_error_at", "consecutive_failures", "articles_seen"}
        ),
    ).model_dump(mode="json")


def _store(request: Request) -> FeedStore:
    client: aioredis.Redis = request.app.state.runtime.client
    return FeedStore(client)


Store = Annotated[FeedStore, Depends(_store)]


def feeds_router() -> APIRouter:
    """The router to mount on the HTTP server (it reads ``app.state.runtime.client``)."""
    router = APIRouter(prefix="/api/feeds", tags=["feeds"])

    @router.get("", response_model=list[FeedOut])
    async def list_feeds(store: Store) -> list[dict[str, Any]]:
        """Every feed with its health."""
        return [feed_row(feed, state) for feed, state in await store.all()]

    @router.post("", response_model=FeedOut, status_code=status.HTTP_201_CREATED)
    async def add_feed(body: FeedIn, store: Store, response: Response) -> dict[str, Any]:
        """Add a feed (or update the name and interval of the feed with that URL)."""
        try:
            feed = new_feed(body.url, body.name, body.interval_s, body.kind)
        except InputError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        feed, state, created = await store.upsert(feed)
        if not created:
            response.status_code = status.HTTP_200_OK
        return feed_row(feed, state)

    @router.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def remove_feed(feed_id: str, store: Store) -> Response:
        """Remove a feed; its articles already ingested stay."""
        if not await store.remove(feed_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no feed {feed_id}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
