"""One-click unsubscribe through the real FastAPI router served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace

import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI

from services.notify.delivery.api import unsubscribe_router
from services.notify.delivery.tokens import sign
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from tests.delivery.conftest import make_settings
from tests.waiting import wait_until

SECRET = "test-secret-value"


@pytest.fixture
async def api(redis: aioredis.Redis) -> AsyncIterator[str]:
    """The router on a real HTTP server; yields its base URL."""
    app = FastAPI()
    app.state.runtime = SimpleNamespace(client=redis)
    app.include_router(unsubscribe_router(make_settings()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await wait_until(started, what="uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def saved(redis: aioredis.Redis) -> Subscription:
    sub = Subscription(id="sub-unsub", name="Sahel <watch>", query="AES", targets=("mailto:desk@example.test",))  # type: ignore[arg-type]
    return await SubscriptionStore(redis).save(sub)


async def test_one_click_post_disables_the_subscription(api: str, redis: aioredis.Redis) -> None:
    sub = await saved(redis)
    async with httpx.AsyncClient(base_url=api) as http:
        page = await http.get(f"/unsubscribe/{sign(sub.id, SECRET)}")
        assert page.status_code == 200
        assert "Sahel &lt;watch&gt;" in page.text
        stored = await SubscriptionStore(redis).get(sub.id)
        assert stored is not None
        assert stored.enabled  # following the link alone changes nothing
        done = await http.post(f"/unsubscribe/{sign(sub.id, SECRET)}", content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200
    stored = await SubscriptionStore(redis).get(sub.id)
    assert stored is not None
    assert not stored.enabled


@pytest.mark.parametrize(
    "token",
    [
        sign("sub-unsub", "another-secret"),
        sign("sub-unknown", SECRET),
        "c3ViLXVuc3Vi.0000",
        "not-a-token",
    ],
)
async def test_forged_or_unknown_tokens_change_nothing(api: str, redis: aioredis.Redis, token: str) -> None:
    sub = await saved(redis)
    async with httpx.AsyncClient(base_url=api) as http:
        response = await http.post(f"/unsubscribe/{token}")
    assert response.status_code == 404
    stored = await SubscriptionStore(redis).get(sub.id)
    assert stored is not None
    assert stored.enabled
