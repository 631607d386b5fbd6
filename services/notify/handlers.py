"""Thin handlers of the notify stages: match tagged articles, deliver alerts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from shared.models import Alert, TaggedArticle
from shared.stage import Output
from shared.streams import ALERTS

logger = logging.getLogger(__name__)

Matcher = Callable[[TaggedArticle], Awaitable[Sequence[Alert]]]
Deliverer = Callable[[Alert], Awaitable[Sequence[Output]]]


def tagged_handler(match: Matcher) -> Callable[[TaggedArticle], Awaitable[Sequence[Output]]]:
    """Build ``on_article_tagged``: one alert per matched (subscription, channel)."""

    async def on_article_tagged(tagged: TaggedArticle) -> Sequence[Output]:
        return [(ALERTS, alert) for alert in await match(tagged)]

    return on_article_tagged


def alert_handler(accept: Callable[[Alert], Awaitable[str]]) -> Deliverer:
    """Build ``on_alert``: delivery records and schedules each alert (it never sends inline)."""

    async def on_alert(alert: Alert) -> Sequence[Output]:
        await accept(alert)
        return []

    return on_alert
