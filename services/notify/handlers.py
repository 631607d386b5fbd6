"""Thin handlers of the notify stages: match tagged articles, deliver alerts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from shared.models import Alert, TaggedArticle
from shared.stage import Output
from shared.streams import ALERTS

logger = logging.getLogger(__name__)

Matcher = Callable[[TaggedArticle], Awaitable[Sequence[Alert]]]


def tagged_handler(match: Matcher) -> Callable[[TaggedArticle], Awaitable[Sequence[Output]]]:
    """Build ``on_article_tagged``: one alert per matched (subscription, channel)."""

    async def on_article_tagged(tagged: TaggedArticle) -> Sequence[Output]:
        return [(ALERTS, alert) for alert in await match(tagged)]

    return on_article_tagged


async def on_alert(alert: Alert) -> Sequence[Output]:
    """Deliver one alert (placeholder: a log line; the delivery issue replaces it)."""
    logger.info(
        "alert for %s: %s",
        alert.subscription_name,
        alert.tagged.article.title,
        extra={"subscription": alert.subscription, "channel": alert.channel, "article_id": alert.tagged.article.id},
    )
    return []


def alert_handler(accept: Callable[[Alert], Awaitable[str]]) -> Callable[[Alert], Awaitable[Sequence[Output]]]:
    """Build ``on_alert``: delivery records and schedules each alert (it never sends inline)."""

    async def on_alert(alert: Alert) -> Sequence[Output]:
        await accept(alert)
        return []

    return on_alert
