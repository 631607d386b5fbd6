"""`docker compose up` without Docker: every service of the compose file as a local process.

Each process runs the compose file's own command with the environment compose would give it
(.env from .env.example, the service's `environment`, the dev override with mailpit). Only what
a container's isolation provides is adapted: Redis is the test Valkey, each process binds
127.0.0.1 on a port of its own, "mailpit" is an SMTP server on 127.0.0.1 accepting any login
(as mailpit does with MP_SMTP_AUTH_ACCEPT_ANY), and the feed site is a local server ingest
is allowed to fetch.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr

from services.ingest.feeds import FeedStore, new_feed
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, new_id
from services.ops.commands import check
from shared.streams import ARTICLES, CLASSIFY_GROUP, TAGGED
from tests.delivery.peers import MailSink, smtp_server
from tests.ingest.server import LocalServer, Reply
from tests.ops.compose import APP_SERVICES, COMPOSE, COMPOSE_DEV, env_values, interpolate, load
from tests.processes import ServiceProcess, free_port, service_env
from tests.waiting import wait_until

TITLE = "Sahel : les ministres de l'AES réunis à Niamey avec une délégation russe"
TEXT = (
    "Les ministres des Affaires étrangères de la Confédération des États du Sahel se sont réunis mardi à Niamey. "
    "Une délégation russe conduite par Sergueï Lavrov a pris part aux travaux consacrés à la sécurité régionale, "
    "à l'approvisionnement en carburant et aux projets d'énergie. Les trois pays ont annoncé un calendrier commun "
    "pour leurs prochaines rencontres et la création d'un secrétariat permanent à Bamako."
)


def rss(base: str) -> bytes:
    published = format_datetime(datetime.now(UTC))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Le Sahel ce soir</title><link>{base}/</link>
<description>Actualités du Sahel</description>
<item><title>{TITLE}</title><link>{base}/politique/aes-niamey-russie</link>
<guid>{base}/politique/aes-niamey-russie</guid><pubDate>{published}</pubDate>
<description>{TEXT}</description></item>
</channel></rss>""".encode()


def page() -> bytes:
    return f"""<!doctype html><html lang="fr"><head><title>{TITLE}</title></head><body>
<nav><a href="/">Accueil</a> <a href="/politique">Politique</a></nav>
<article><h1>{TITLE}</h1><p>{TEXT}</p><p>{TEXT}</p></article>
<footer>Le Sahel ce soir, tous droits réservés</footer></body></html>""".encode()


def compose_environment(service: str) -> dict[str, str]:
    """The environment compose gives ``service`` with docker-compose.yml + docker-compose.dev.yml and .env."""
    dotenv = env_values()
    environment = dict(dotenv) if load()["services"][service]["env_file"] == [".env"] else {}
    for path in (COMPOSE, COMPOSE_DEV):
        for name, value in (load(path)["services"].get(service, {}).get("environment") or {}).items():
            environment[name] = interpolate(str(value), dotenv)
    return environment


def replicas(service: str) -> int:
    count: int = load()["services"][service].get("deploy", {}).get("replicas", 1)
    return count


class AnyLogin:
    """Accept every login, like mailpit with MP_SMTP_AUTH_ACCEPT_ANY."""

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        return AuthResult(success=True)


@pytest.fixture
def mailpit() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    with smtp_server(sink, authenticator=AnyLogin(), auth_require_tls=False) as controller:
        yield sink, controller.port


@pytest.fixture
async def site() -> AsyncIterator[LocalServer]:
    server = await LocalServer().start()
    base = server.url("").rstrip("/")
    server.routes["/rss.xml"] = Reply(body=rss(base), headers={"Content-Type": "application/rss+xml"})
    server.routes["/politique/aes-niamey-russie"] = Reply(body=page(), headers={"Content-Type": "text/html"})
    yield server
    await server.close()


def local_environment(service: str, redis_url: str, smtp_port: int) -> dict[str, str]:
    environment = compose_environment(service)
    assert environment["NEWSALERT_REDIS_URL"] == "redis://:change-me@redis:6379/0"
    assert environment["NEWSALERT_HTTP_HOST"] == "0.0.0.0"  # what the container binds
    environment.update(
        NEWSALERT_REDIS_URL=redis_url,
        NEWSALERT_HTTP_HOST="127.0.0.1",
        NEWSALERT_HTTP_PORT=str(free_port()),
        NEWSALERT_FETCH_ALLOW="127.0.0.1",
    )
    if environment.get("NEWSALERT_SMTP_HOST") == "mailpit":
        assert environment["NEWSALERT_SMTP_PORT"] == "1025"
        environment.update(NEWSALERT_SMTP_HOST="127.0.0.1", NEWSALERT_SMTP_PORT=str(smtp_port))
    return service_env(redis_url, **environment)


async def consumers_of_classify(redis: aioredis.Redis) -> set[str]:
    names = {c["name"].decode() for c in await redis.xinfo_consumers(ARTICLES, CLASSIFY_GROUP)}
    return {name.removesuffix("-claim") for name in names}


async def test_compose_services_take_a_feed_article_to_an_email(
    redis: aioredis.Redis,
    redis_url: str,
    mailpit: tuple[MailSink, int],
    site: LocalServer,
    tmp_path: Path,
):
    sink, smtp_port = mailpit
    assert replicas("classify") == 2
    plan = {"ingest": 2, "classify": replicas("classify"), "notify": replicas("notify")}  # --scale ingest=2
    assert set(plan) == set(APP_SERVICES)
    processes: list[tuple[ServiceProcess, str]] = []
    with contextlib.ExitStack() as stack:
        for service, count in plan.items():
            command = load()["services"][service]["command"]
            assert command[0] == "newsalert"
            for number in range(count):
                env = local_environment(service, redis_url, smtp_port)
                log = tmp_path / f"{service}-{number}.log"
                processes.append(
                    (stack.enter_context(ServiceProcess(command[1:], env, log)), env["NEWSALERT_HTTP_PORT"])
                )

        async def all_ready() -> bool:
            return all(check(f"http://127.0.0.1:{port}/ready", 1.0) is None for _, port in processes)

        await wait_until(all_ready, timeout_s=90, interval_s=0.5, what="every service to be ready")
        assert len(await consumers_of_classify(redis)) == 2, "both classify replicas consume through the group"

        await SubscriptionStore(redis).save(
            Subscription(
                id=new_id(), name="AES et Russie", query="AES + Russia", targets=(SecretStr("mailto:desk@example.org"),)
            )
        )
        await FeedStore(redis).put(new_feed(site.url("/rss.xml"), name="Le Sahel ce soir", interval_s=300))

        async def tagged() -> bool:
            return bool(await redis.xlen(TAGGED))

        await wait_until(tagged, timeout_s=60, interval_s=0.2, what="ingest and classify to publish the tagged article")

        assert site.hits_on("/rss.xml") == 1, "two ingest replicas fetched the feed once in its interval"

        async def mailed() -> bool:
            return len(sink.messages) >= 1

        await wait_until(mailed, timeout_s=90, interval_s=0.2, what="the alert email")
        (message,) = sink.messages
        assert "AES" in str(message["Subject"])
        assert [str(a) for a in sink.envelopes[0].rcpt_tos] == ["desk@example.org"]
        assert site.hits_on("/rss.xml") == 1, "two ingest replicas fetched the feed once in its interval"
        for process, _ in processes:
            process.signal(signal.SIGTERM)  # all at once, as `docker compose stop` does
        for process, _ in processes:
            assert process.process is not None
            assert process.process.wait(timeout=40) == 0, process.log()
        assert len(sink.messages) == 1
