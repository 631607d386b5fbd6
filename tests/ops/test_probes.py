"""Health and readiness of every service, and `newsalert health` as the compose healthcheck runs it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from services.ops.commands import check, probe_url
from services.ops.probes import probe_app, readiness
from shared.broker import ensure_groups, make_broker, make_client
from shared.models import Article
from shared.service import Runtime
from shared.settings import CommonSettings
from shared.stage import Output, Stage, StageRunner
from shared.streams import ARTICLES, CLASSIFY_GROUP
from tests.processes import ServiceProcess, free_port, newsalert, service_env
from tests.waiting import wait_until

ARTICLE = {
    "title": "Accra: la Banque centrale relève son taux directeur",
    "text": "La Banque du Ghana a relevé son taux directeur de 100 points de base pour freiner l'inflation.",
}


async def ignore(article: Article) -> Sequence[Output]:
    return []


@pytest.fixture
async def runtime(redis: aioredis.Redis, redis_url: str) -> AsyncIterator[Runtime]:
    settings = CommonSettings(redis_url=redis_url)
    broker = make_broker(redis_url, graceful_timeout_s=2)
    stage = Stage(name="probe", stream=ARTICLES, group=CLASSIFY_GROUP, model=Article, handle=ignore, key=lambda a: a.id)
    StageRunner(stage, broker, redis, settings).attach()
    yield Runtime(settings=settings, broker=broker, client=redis)
    await broker.stop()


async def test_ready_only_when_groups_exist_and_subscribers_run(runtime: Runtime, redis: aioredis.Redis):
    assert await readiness(runtime) == f"consumer group {CLASSIFY_GROUP} missing on {ARTICLES}"
    await ensure_groups(redis, [(ARTICLES, CLASSIFY_GROUP)])
    assert await readiness(runtime) == "2 subscriber(s) not running"
    await runtime.broker.start()
    assert await readiness(runtime) is None
    await redis.xgroup_destroy(ARTICLES, CLASSIFY_GROUP)
    assert await readiness(runtime) == f"consumer group {CLASSIFY_GROUP} missing on {ARTICLES}"


async def test_not_ready_without_redis(runtime: Runtime):
    gone = make_client(f"redis://127.0.0.1:{free_port()}")
    try:
        reason = await readiness(Runtime(settings=runtime.settings, broker=runtime.broker, client=gone))
    finally:
        await gone.aclose()
    assert reason == "redis: ConnectionError"


async def test_probe_app_is_served_only_when_asked(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("NEWSALERT_SERVE_PROBES", raising=False)
    assert probe_app(runtime, "classify") is None
    monkeypatch.setenv("NEWSALERT_SERVE_PROBES", "true")
    app = probe_app(runtime, "classify")
    assert app is not None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://classify") as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert "missing" in ready.json()["reason"]
        metrics = await client.get("/metrics")
        assert metrics.headers["content-type"].startswith("text/plain")
        assert "newsalert_stream_pending" in metrics.text


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080/ready"),
        ("127.0.0.1", "http://127.0.0.1:8080/ready"),
        ("::", "http://[::1]:8080/ready"),
        ("10.1.2.3", "http://10.1.2.3:8080/ready"),
    ],
)
def test_the_health_command_probes_the_bind_address(host: str, url: str):
    assert probe_url(CommonSettings(http_host=host, http_port=8080), live=False) == url
    assert probe_url(CommonSettings(http_host=host, http_port=8080), live=True) == url.replace("/ready", "/health")


async def test_health_command_follows_a_real_classify_process(redis: aioredis.Redis, redis_url: str, tmp_path: Path):
    port = free_port()
    env = service_env(redis_url, NEWSALERT_HTTP_PORT=str(port), NEWSALERT_SERVE_PROBES="true")
    with ServiceProcess(["classify"], env, tmp_path / "classify.log") as classify:

        async def answers() -> bool:
            return check(f"http://127.0.0.1:{port}/ready", 1.0) is None

        await wait_until(answers, timeout_s=30, what="classify to be ready")
        assert newsalert("health", env=env).returncode == 0
        assert check(f"http://127.0.0.1:{port}/health", 1.0) is None
        published = newsalert("publish", env=env, stdin=json.dumps(ARTICLE) + "\n")
        assert "published 1 new" in published.stdout

        async def counted() -> bool:
            async with httpx.AsyncClient(trust_env=False) as client:
                text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            return 'newsalert_stage_entries_total{outcome="handled",stage="classify"} 1.0' in text

        await wait_until(counted, timeout_s=30, what="the classify counters in /metrics")
        await redis.xgroup_destroy(ARTICLES, CLASSIFY_GROUP)
        assert classify.process is not None
        assert classify.process.wait(timeout=30) == 3, classify.log()  # a lost group ends the service
    unhealthy = newsalert("health", env=env)
    assert unhealthy.returncode == 1
    assert f"http://127.0.0.1:{port}/ready: ConnectError" in unhealthy.stderr
