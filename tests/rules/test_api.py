"""`/api/rules` through the real router served by uvicorn on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI

from services.notify.rules.api import rules_router
from services.notify.rules.archive import Archive
from shared.models import utc_now
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey, locusts_in_chad
from tests.waiting import wait_until

TOKEN_URL = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"


@pytest.fixture
async def api(redis: aioredis.Redis, vocabulary: Vocabulary) -> AsyncIterator[httpx.AsyncClient]:
    """The router on a real HTTP server; yields a client on its base URL."""
    app = FastAPI()
    app.state.runtime = SimpleNamespace(client=redis)
    app.include_router(rules_router(lambda: vocabulary))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await wait_until(started, what="uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        yield http
    server.should_exit = True
    await task


RULE = {"name": "aes-russia", "query": "AES + Russia summit", "notify": ["mailto:desk@example.org", TOKEN_URL]}


async def test_create_read_update_list_delete(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/rules", json=RULE)
    assert created.status_code == 201, created.text
    body = created.json()
    assert "AAHdq" not in created.text
    assert sorted(c["scheme"] for c in body["channels"]) == ["mailto", "tgram"]
    rule_id = body["id"]
    assert (await api.get(f"/api/rules/{rule_id}")).json()["query"] == "AES + Russia summit"

    updated = await api.put(f"/api/rules/{rule_id}", json={**RULE, "query": "Niger summit", "delivery": "digest"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["delivery"] == "digest"
    assert updated.json()["created"] == body["created"]
    listed = await api.get("/api/rules")
    assert [r["query"] for r in listed.json()] == ["Niger summit"]

    assert (await api.delete(f"/api/rules/{rule_id}")).status_code == 204
    assert (await api.get(f"/api/rules/{rule_id}")).status_code == 404
    assert (await api.delete(f"/api/rules/{rule_id}")).status_code == 404


@pytest.mark.parametrize(
    ("query", "column"),
    [("AES AND", 5), ("(AES", 1), ("actor:nowhere-land", 7), ("NOT AES", 1), ("pays:niger", 1)],
)
async def test_bad_query_is_a_422_with_message_and_column(api: httpx.AsyncClient, query: str, column: int) -> None:
    response = await api.post("/api/rules", json={**RULE, "query": query})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["field"] == "query"
    assert detail["column"] == column
    assert detail["message"]
    assert (await api.get("/api/rules")).json() == []


async def test_bad_target_and_taken_name_are_422_naming_the_field(api: httpx.AsyncClient) -> None:
    bad = await api.post("/api/rules", json={**RULE, "notify": ["tgram://"]})
    assert bad.status_code == 422
    assert bad.json()["detail"]["field"] == "notify"
    assert (await api.post("/api/rules", json=RULE)).status_code == 201
    taken = await api.post("/api/rules", json=RULE)
    assert taken.status_code == 422
    assert "already taken" in taken.json()["detail"]["message"]
    zone = await api.post("/api/rules", json={**RULE, "name": "other", "timezone": "Mars/Olympus"})
    assert zone.status_code == 422
    assert zone.json()["detail"]["field"] == "timezone"


async def test_preview_backtests_the_archive(
    api: httpx.AsyncClient, redis: aioredis.Redis, vocabulary: Vocabulary
) -> None:
    archive = Archive(redis)
    now = utc_now()
    await archive.add(lavrov_in_niamey(vocabulary, story="story-1", when=now))
    await archive.add(locusts_in_chad(vocabulary, when=now))
    await archive.add(lavrov_in_niamey(vocabulary, story="story-1", when=now + timedelta(seconds=1)))
    response = await api.post("/api/rules/preview", json={"query": "AES + Russia summit", "since": "1d"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scanned"] == 2  # the same article archived twice is read once
    assert body["matched"] == 1
    assert body["alerts"] == 1
    assert body["alerts_per_day"] == {now.date().isoformat(): 1}
    why = {ev["ref"]: ev for ev in body["hits"][0]["why"]}
    assert why["russia"]["mentions"][0]["text"] == "Sergueï Lavrov"
    bad = await api.post("/api/rules/preview", json={"query": "AES +", "since": "1d"})
    assert bad.status_code == 422
    assert bad.json()["detail"]["column"] == 5
    period = await api.post("/api/rules/preview", json={"query": "AES", "since": "a week"})
    assert period.json()["detail"]["field"] == "since"


async def test_openapi_documents_the_rules_routes(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    assert {"/api/rules", "/api/rules/{rule_id}", "/api/rules/preview"} <= set(paths)
