"""HTTP routes of delivery: one-click unsubscribe (RFC 8058) with a signed token."""

from __future__ import annotations

import html
import logging
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse

from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.tokens import verify
from services.notify.deps import get_client
from services.notify.rules.store import SubscriptionStore
from shared.errors import InputError

logger = logging.getLogger(__name__)

Client = Annotated[aioredis.Redis, Depends(get_client)]

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title></head>
<body style="font-family: sans-serif;"><h1>Stop alerts from “{name}”?</h1>
<form method="post"><button type="submit">Unsubscribe</button></form></body></html>"""
_DONE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribed</title></head>
<body style="font-family: sans-serif;"><p>Alerts from “{name}” are stopped.</p></body></html>"""


def unsubscribe_router(settings: DeliverySettings) -> APIRouter:
    """Routes to disable a subscription from the link in its alerts."""
    router = APIRouter(tags=["delivery"])

    def subscription_of(token: str) -> str:
        secret = settings.unsubscribe_secret
        if secret is None:
            raise HTTPException(404, "unsubscribe links are not configured")
        try:
            return verify(token, secret.get_secret_value())
        except InputError as e:
            raise HTTPException(404, "unknown or invalid unsubscribe link") from e

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse)
    async def confirm(token: str, client: Client) -> HTMLResponse:
        """Ask before unsubscribing: mail scanners follow links, people press buttons."""
        sub = await SubscriptionStore(client).get(subscription_of(token))
        if sub is None:
            raise HTTPException(404, "unknown or invalid unsubscribe link")
        return HTMLResponse(_PAGE.format(name=html.escape(sub.name)))

    @router.post("/unsubscribe/{token}", response_class=HTMLResponse)
    async def unsubscribe(token: str, client: Client) -> HTMLResponse:
        """One-click unsubscribe: disable the subscription the signed token names."""
        sub = await SubscriptionStore(client).set_enabled(subscription_of(token), False)
        if sub is None:
            raise HTTPException(404, "unknown or invalid unsubscribe link")
        logger.info("unsubscribed by link", extra={"subscription": sub.id})
        return HTMLResponse(_DONE.format(name=html.escape(sub.name)))

    return router
