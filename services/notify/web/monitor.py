"""The pages that watch the system: recent alerts with test sends, feeds with health, latest articles."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.ingest.feeds import FeedState, FeedStore, new_feed
from services.notify.delivery.settings import DeliverySettings
from services.notify.rules.query import compile_query
from services.notify.web import activity
from services.notify.web.editor import checked_form, shelf_of, store_of, web_settings
from services.notify.web.forms import field
from services.notify.web.masking import mask_target
from services.notify.web.preview import latest_matching
from services.notify.web.render import page
from services.notify.web.trial import send_test_alert
from shared.errors import DeliveryError, InputError, QueryError
from shared.models import utc_now
from shared.vocabulary import default_vocabulary

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ALERTS_SHOWN = 200
ALERTS_WINDOW = timedelta(days=7)


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, outcome: str = "", target: str = "", reason: str = "") -> HTMLResponse:
    """Recent alerts per rule with their status per channel, and a test button per target."""
    subs = await store_of(request).all()
    client = request.app.state.runtime.client
    recent = await activity.recent_deliveries(client, utc_now() - ALERTS_WINDOW, ALERTS_SHOWN)
    by_rule: dict[str, list[activity.Delivery]] = defaultdict(list)
    for delivery in recent:
        by_rule[delivery.subscription].append(delivery)
    groups = [
        {
            "sub": sub,
            "channels": {cid: mask_target(target) for cid, target in sub.channels().items()},
            "deliveries": by_rule.get(sub.id, []),
        }
        for sub in subs
    ]
    notice = {"outcome": outcome, "target": target, "reason": reason} if outcome in ("sent", "failed") else None
    return page(request, "alerts.html.j2", groups=groups, notice=notice)


@router.post("/alerts/test", response_class=HTMLResponse)
async def send_test(request: Request) -> HTMLResponse:
    """Send a test alert to one target of a rule and say how it went."""
    form = await checked_form(request)
    sub = await store_of(request).get(field(form, "rule"))
    if sub is None:
        return page(request, "error.html.j2", 404, message="404")
    channel = field(form, "channel")
    masked = mask_target(sub.channels().get(channel, "?"))
    extra = {"subscription": sub.id, "channel": channel}
    try:
        await send_test_alert(sub, channel, DeliverySettings())
    except (InputError, DeliveryError) as e:
        logger.info("test alert failed: %s", e, extra=extra)
        return await alerts_page(request, "failed", masked, str(e))
    logger.info("test alert sent", extra=extra)
    return await alerts_page(request, "sent", masked)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One feed as the feeds page shows it."""

    id: str
    name: str
    url: str
    status: str
    state: FeedState
    per_day: float


@router.get("/feeds", response_class=HTMLResponse)
async def feeds_page(request: Request, problem: str = "") -> HTMLResponse:
    """Every feed with its health: last success, last error, articles per day."""
    now = utc_now()
    rows = []
    for feed, state in await FeedStore(request.app.state.runtime.client).all():
        days = max((now - feed.added).total_seconds() / 86_400, 1.0)
        rows.append(FeedRow(feed.id, feed.name, feed.url, state.status, state, state.articles_seen / days))
    return page(request, "feeds.html.j2", 422 if problem else 200, rows=rows, problem=problem)


@router.post("/feeds", response_model=None)
async def add_feed(request: Request) -> Response:
    """Add a feed (URL, optional name and interval)."""
    form = await checked_form(request)
    interval = field(form, "interval_s").strip()
    try:
        if interval and not interval.isdigit():
            raise InputError("interval_s: must be a whole number of seconds")
        feed = new_feed(
            field(form, "url").strip(), field(form, "name").strip() or None, int(interval) if interval else None
        )
    except InputError as e:
        return await feeds_page(request, problem=str(e))
    await FeedStore(request.app.state.runtime.client).put(feed)
    return RedirectResponse("/feeds?done=feeds.added", status_code=303)


@router.post("/feeds/{feed_id}/delete", response_model=None)
async def remove_feed(request: Request, feed_id: str) -> Response:
    """Remove a feed."""
    await checked_form(request)
    if not await FeedStore(request.app.state.runtime.client).remove(feed_id):
        return page(request, "error.html.j2", 404, message="404")
    return RedirectResponse("/feeds?done=feeds.removed", status_code=303)


@router.get("/articles", response_class=HTMLResponse)
async def articles_page(request: Request, q: str = "") -> HTMLResponse:
    """The latest tagged articles with their actors and topics, optionally filtered by a query."""
    settings = web_settings(request)
    vocabulary = default_vocabulary()
    articles = await shelf_of(request).latest(settings.backtest_articles)
    problem = ""
    try:
        query = compile_query(q, vocabulary) if q.strip() else None
    except QueryError as e:
        query, problem = None, f"{e.column}: {e.message}"
    hits = (
        []
        if problem
        else await asyncio.to_thread(latest_matching, query, articles, vocabulary, settings.articles_shown)
    )
    return page(request, "articles.html.j2", hits=hits, q=q, problem=problem, scanned=len(articles))
