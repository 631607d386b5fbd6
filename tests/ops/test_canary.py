"""Canary secrets: forced through every error path we can reach, found in no log, dead letter, metric or API error."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr

from services.ingest.feeds import FeedStore, new_feed
from services.notify.delivery.commands import list_alerts, list_dead
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id, new_id
from services.ops.commands import check
from shared.broker import make_broker
from shared.models import Alert, Article, TaggedArticle
from shared.streams import ALERTS, TAGGED, dead
from tests.delivery.peers import FakeTelegram, MailSink, smtp_server, telegram_error
from tests.processes import ServiceProcess, free_port, newsalert, service_env
from tests.waiting import wait_until

CANARY = f"CANARY{uuid.uuid4().hex[:16]}"
SMTP_PASSWORD = f"smtp-{CANARY}"
API_TOKEN = f"api-{CANARY}"
BOT_TOKEN = f"987654321:{CANARY}{'k' * (35 - len(CANARY))}"
TELEGRAM = f"tgram://{BOT_TOKEN}/-1001234567890"
BAD_CHAT = f"tgram://{BOT_TOKEN}/chat!room"
MAILTO = "mailto:veille@example.org"
FINAL = {"failed", "dead", "gave_up", "permanent", "error"}


class RefuseLogin:
    """An SMTP relay that refuses every login (535), as with a wrong password."""

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False)


@pytest.fixture
def relay() -> Iterator[int]:
    with smtp_server(MailSink(), authenticator=RefuseLogin(), auth_require_tls=False) as controller:
        yield controller.port


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as peer:
        peer.script = [telegram_error(502, "Bad Gateway")]  # then 401: our token is not the peer's
        yield peer  # type: ignore[misc]


def alert_on(target: str, sub: Subscription) -> Alert:
    article = Article(
        id=uuid.uuid4().hex[:16],
        url="https://www.example-abidjan.test/economie/cacao-prix-bord-champ",
        title="Côte d'Ivoire : le prix bord champ du cacao relevé pour la campagne intermédiaire",
        text="Le Conseil du café-cacao a annoncé un relèvement du prix garanti aux producteurs.",
        published=datetime.now(UTC),
    )
    tagged = TaggedArticle(article=article, lang="fr", story=f"story-{article.id}")
    return Alert(
        id=uuid.uuid4().hex,
        subscription=sub.id,
        subscription_name=sub.name,
        channel=channel_id(target),
        story=tagged.story,
        tagged=tagged,
    )


async def api_errors(base: str) -> list[str]:
    """Bodies of the API's error answers: no token, a wrong one, bad rules carrying the secret target."""
    bodies = []
    no_reuse = httpx.Limits(max_keepalive_connections=0)  # a fresh connection each: no keep-alive close race
    async with httpx.AsyncClient(base_url=base, trust_env=False, timeout=10, limits=no_reuse) as client:
        bearer = {"Authorization": f"Bearer {API_TOKEN}"}
        for response in (
            await client.get("/api/feeds"),
            await client.get("/api/feeds", headers={"Authorization": "Bearer wrong-token"}),
            await client.post("/api/feeds", headers=bearer, json={"url": "gopher://127.0.0.1/feed"}),
            await client.post("/api/rules", headers=bearer, json={"name": "x", "query": "AES +", "notify": [TELEGRAM]}),
            await client.post("/api/rules", headers=bearer, json={"name": "x", "query": "AES", "notify": [BAD_CHAT]}),
            await client.get("/metrics"),
        ):
            assert response.status_code != 500, response.text
            bodies.append(f"{response.status_code} {response.text}")
    assert [body[:3] for body in bodies] == ["401", "401", "422", "422", "422", "200"]
    return bodies


async def redis_dump(redis: aioredis.Redis) -> str:
    """Every dead letter and delivery record an operator could read, as text (decoded payloads included)."""
    parts = [json.dumps(await list_alerts(redis), default=str), json.dumps(await list_dead(redis), default=str)]
    for stream in (dead(ALERTS), dead(TAGGED)):
        for _, fields in await redis.xrange(stream):
            parts.append(repr(fields))
            parts += [base64.b64decode(v).decode(errors="replace") for k, v in fields.items() if b"b64" in k]
    return "\n".join(parts)


async def test_canary_secrets_appear_nowhere(
    redis: aioredis.Redis, redis_url: str, relay: int, telegram: FakeTelegram, tmp_path: Path
):
    sub = Subscription(id=new_id(), name="Cacao", query="cacao", targets=(SecretStr(MAILTO), SecretStr(TELEGRAM)))
    await SubscriptionStore(redis).save(sub)
    port = free_port()
    env = service_env(
        redis_url,
        NEWSALERT_HTTP_PORT=str(port),
        NEWSALERT_LOG_LEVEL="DEBUG",
        NEWSALERT_LOG_FORMAT="json",
        NEWSALERT_SMTP_HOST="127.0.0.1",
        NEWSALERT_SMTP_PORT=str(relay),
        NEWSALERT_SMTP_SECURITY="none",
        NEWSALERT_SMTP_USERNAME="veille",
        NEWSALERT_SMTP_PASSWORD=SMTP_PASSWORD,
        NEWSALERT_TELEGRAM_API_URL=telegram.base,
        NEWSALERT_API_TOKEN=API_TOKEN,
        NEWSALERT_RETRY_BASE_S="0.2",
        NEWSALERT_RETRY_MAX_ATTEMPTS="3",
    )
    feed = new_feed(f"http://reader:{CANARY}@127.0.0.2:{free_port()}/rss.xml", name="Flux privé", interval_s=60)
    await FeedStore(redis).put(feed)
    with (
        ServiceProcess(["notify"], env, tmp_path / "notify.log") as notify,
        ServiceProcess(["ingest"], env, tmp_path / "ingest.log") as ingest,
    ):

        async def ready() -> bool:
            return check(f"http://127.0.0.1:{port}/health", 1.0) is None

        await wait_until(ready, timeout_s=60, interval_s=0.3, what="notify to answer")
        broker = make_broker(redis_url)
        await broker.connect()
        try:
            for target in (MAILTO, TELEGRAM):
                await broker.publish(alert_on(target, sub), stream=ALERTS)
        finally:
            await broker.stop()
        await redis.xadd(ALERTS, {b"__data__": b"not a payload", b"target": b"tgram://junk/1"})
        await redis.xadd(TAGGED, {b"oops": b"1"})

        async def both_failed() -> bool:
            rows = await list_alerts(redis)
            return len(rows) == 2 and all(str(row["status"]) in FINAL for row in rows)

        await wait_until(both_failed, timeout_s=60, interval_s=0.3, what="both deliveries to fail for good")

        async def feed_failed() -> bool:
            found = await FeedStore(redis).get(feed.id)
            return found is not None and found[1].consecutive_failures > 0

        await wait_until(feed_failed, timeout_s=60, interval_s=0.3, what="the private feed to be refused")
        bodies = await api_errors(f"http://127.0.0.1:{port}")
        assert notify.stop() == 0
        assert ingest.stop() == 0
        logs = notify.log() + ingest.log()
    stored = await redis_dump(redis)
    reasons = " ".join(str(row.get("reason")) for row in await list_alerts(redis))
    assert "535" in reasons or "auth" in reasons.lower(), reasons
    assert "401" in reasons or "unauthorized" in reasons.lower(), reasons
    assert len(telegram.calls) >= 2, "the chat peer saw the transient 502 and then the 401"
    assert all(json.loads(line) for line in logs.splitlines() if line.strip()), "every log line is JSON"
    for where, text in (("logs", logs), ("redis", stored), ("api", "\n".join(bodies))):
        assert CANARY not in text, f"the canary leaked into {where}"


def test_a_redis_password_is_not_printed_when_redis_is_unreachable():
    url = f"redis://:{CANARY}@127.0.0.1:{free_port()}/0"
    result = newsalert("status", env=service_env(url, NEWSALERT_REDIS_WAIT_S="0.2"))
    assert result.returncode == 3
    assert "no Redis answers" in result.stderr
    assert CANARY not in result.stderr + result.stdout
