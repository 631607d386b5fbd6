"""The page and API over real HTTP: tokens, sessions, CSRF, escaping, feeds, alerts and test sends."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from services.ingest.feeds import FeedStore
from services.notify.delivery.ledger import Keys, Ledger
from services.notify.http import create_http_app
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id
from shared.broker import make_broker, make_client
from shared.errors import ConfigError
from shared.models import Alert
from shared.service import Runtime
from shared.settings import CommonSettings
from tests.delivery.peers import MailSink, smtp_server
from tests.web.articles import HOSTILE_TITLE, corpus, seed
from tests.web.conftest import TOKEN, Serve

API_RULE = {"name": "Sahel summits", "query": "AES summit", "notify": ["mailto:veille@example.org"]}
RULE = {"name": "Sahel summits", "query": "AES summit", "new_targets": "mailto:veille@example.org"}


def csrf_of(html: str) -> str:
    """The CSRF token a page carries."""
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
        yield client


async def test_without_the_token_everything_is_401_and_nothing_changes(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    base = await serve(token=TOKEN)
    api = await http.get(f"{base}/api/rules")
    assert api.status_code == 401
    assert api.headers["www-authenticate"] == "Bearer"
    page = await http.get(f"{base}/rules")
    assert page.status_code == 401
    assert 'name="token"' in page.text
    assert 'type="password"' in page.text
    for response in (
        await http.post(f"{base}/rules", data={**RULE, "csrf": "x"}),
        await http.post(f"{base}/api/rules", json=API_RULE),
        await http.post(f"{base}/feeds", data={"url": "https://example.org/rss"}),
        await http.get(f"{base}/rules", headers={"Authorization": "Bearer wrong-token"}),
    ):
        assert response.status_code == 401
    assert await SubscriptionStore(redis).all() == []
    assert await FeedStore(redis).all() == []
    assert (await http.get(f"{base}/rules", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 200
    assert (await http.get(f"{base}/health")).status_code == 200
    created = await http.post(f"{base}/api/rules", json=API_RULE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert created.status_code == 201
    assert [s.name for s in await SubscriptionStore(redis).all()] == ["Sahel summits"]


async def test_login_opens_a_strict_session_and_forms_need_its_csrf_token(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    base = await serve(token=TOKEN)
    wrong = await http.post(f"{base}/login", data={"token": "guess", "next": "/rules"})
    assert wrong.status_code == 401
    assert "Jeton incorrect" in wrong.text
    assert "set-cookie" not in wrong.headers
    ok = await http.post(f"{base}/login", data={"token": TOKEN, "next": "/rules/new"})
    assert ok.status_code == 303
    assert ok.headers["location"] == "/rules/new"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    editor = await http.get(f"{base}/rules/new")
    assert editor.status_code == 200
    token = csrf_of(editor.text)
    assert (await http.post(f"{base}/rules", data=RULE)).status_code == 403
    assert (
        await http.post(f"{base}/rules", data={**RULE, "csrf": token[:-1] + ("1" if token.endswith("0") else "0")})
    ).status_code == 403
    foreign = await http.post(f"{base}/rules", data={**RULE, "csrf": token}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert await SubscriptionStore(redis).all() == []
    assert (await http.post(f"{base}/api/rules", json=API_RULE)).status_code == 403  # cookie without CSRF header
    assert await SubscriptionStore(redis).all() == []
    saved = await http.post(f"{base}/rules", data={**RULE, "csrf": token, "enabled": "on"})
    assert saved.status_code == 303
    (sub,) = await SubscriptionStore(redis).all()
    assert (sub.name, sub.query, sub.enabled) == ("Sahel summits", "AES summit", True)
    assert [t.get_secret_value() for t in sub.targets] == ["mailto:veille@example.org"]


async def test_an_open_loopback_server_still_guards_writes(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    base = await serve()
    editor = await http.get(f"{base}/rules/new")
    assert editor.status_code == 200
    assert "httponly" in editor.headers["set-cookie"].lower()
    token = csrf_of(editor.text)
    cross = await http.post(f"{base}/rules", data={**RULE, "csrf": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    rebound = await http.get(f"{base}/rules", headers={"Host": "evil.example", "Sec-Fetch-Site": "same-origin"})
    assert rebound.status_code == 403
    assert await SubscriptionStore(redis).all() == []
    assert (await http.post(f"{base}/rules", data={**RULE, "csrf": token})).status_code == 303
    assert len(await SubscriptionStore(redis).all()) == 1


async def test_an_invalid_rule_is_shown_again_with_the_problem_and_not_saved(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    base = await serve()
    token = csrf_of((await http.get(f"{base}/rules/new")).text)
    bad_query = await http.post(f"{base}/rules", data={**RULE, "query": "AES AND", "csrf": token})
    assert bad_query.status_code == 422
    assert "column 5" in bad_query.text
    assert 'value="Sahel summits"' in bad_query.text
    bad_target = await http.post(f"{base}/rules", data={**RULE, "new_targets": "tgram://123:ABC/", "csrf": token})
    assert bad_target.status_code == 422
    problem = re.search(r'<p class="error" role="alert" id="problem">([^<]*)</p>', bad_target.text)
    assert problem is not None
    assert "target 1" in problem.group(1)
    assert "123:ABC" not in problem.group(1)
    assert await SubscriptionStore(redis).all() == []


async def test_every_article_field_is_escaped(serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis) -> None:
    await seed(redis, corpus())
    base = await serve()
    for path in ("/articles", "/articles?q=AES", "/ui/preview?query=AES%20summit"):
        response = await http.get(f"{base}{path}")
        assert response.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, path
        assert "<script>alert" not in response.text, path
        assert "<img src=x" not in response.text, path
        assert 'href="javascript' not in response.text, path
    assert HOSTILE_TITLE not in (await http.get(f"{base}/articles")).text


async def test_the_language_follows_the_browser_and_the_switch(serve: Serve, http: httpx.AsyncClient) -> None:
    base = await serve()
    assert "Règles de veille" in (await http.get(f"{base}/rules")).text
    english = await http.get(f"{base}/rules", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Watch rules" in english.text
    assert '<html lang="en">' in english.text
    switched = await http.get(f"{base}/rules?lang=fr", headers={"Accept-Language": "en"})
    assert "Règles de veille" in switched.text
    assert "Alertes récentes" in (await http.get(f"{base}/alerts", headers={"Accept-Language": "en"})).text


async def test_feeds_are_added_listed_and_removed(serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis) -> None:
    base = await serve()
    token = csrf_of((await http.get(f"{base}/feeds")).text)
    bad = await http.post(f"{base}/feeds", data={"url": "ftp://example.org/rss", "csrf": token})
    assert bad.status_code == 422
    assert "url" in bad.text
    added = await http.post(
        f"{base}/feeds", data={"url": "https://sahel-info.example/rss", "name": "Sahel Info", "csrf": token}
    )
    assert added.status_code == 303
    ((feed, _state),) = await FeedStore(redis).all()
    assert (feed.name, feed.url) == ("Sahel Info", "https://sahel-info.example/rss")
    listing = await http.get(f"{base}/feeds")
    assert "Sahel Info" in listing.text
    assert "pas encore interrogée" in listing.text
    removed = await http.post(f"{base}/feeds/{feed.id}/delete", data={"csrf": token})
    assert removed.status_code == 303
    assert await FeedStore(redis).all() == []


def _alert(sub: Subscription, target: str, title: str) -> Alert:
    (tagged,) = [t for t in corpus() if t.article.title.startswith(title)]
    return Alert(
        id=f"{sub.id}-{channel_id(target)}-{tagged.story}",
        subscription=sub.id,
        subscription_name=sub.name,
        channel=channel_id(target),
        story=tagged.story,
        tagged=tagged,
    )


async def test_alerts_show_their_status_per_channel_and_count_per_rule(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    mail, chat = "mailto:veille@example.org", "tgram://123456789:AAFakeToken/-100123"
    tricky = 'Sahel "story":"forged" summits'  # the counts read the alert's JSON head: a name must not fool them
    sub = Subscription(id="sahel", name=tricky, query="AES summit", targets=(SecretStr(mail), SecretStr(chat)))
    await SubscriptionStore(redis).save(sub)
    ledger = Ledger(redis, Keys(), ttl_s=86_400, recent_kept=1_000)
    now = datetime.now(UTC)
    sent, dead = _alert(sub, mail, "AES summit in Bamako"), _alert(sub, chat, "AES summit in Bamako")
    retrying = _alert(sub, mail, "AES ministers prepare")
    for alert in (sent, dead, retrying):
        await ledger.claim(alert, now)
    await ledger.set_status([sent.id], "sent", now)
    await ledger.set_status([dead.id], "dead", now, reason="telegram: 403 bot was blocked by the user", attempts=1)
    await ledger.set_status([retrying.id], "retrying", now, reason="smtp: 451 try later", attempts=2)
    base = await serve()
    page = (await http.get(f"{base}/alerts", headers={"Accept-Language": "en"})).text
    assert page.count('data-status="sent"') == 1
    assert page.count('data-status="dead"') == 1
    assert "telegram: 403 bot was blocked by the user" in page
    assert "smtp: 451 try later" in page
    assert "AAFakeToken" not in page
    assert "veille@" not in page
    rules = (await http.get(f"{base}/rules")).text
    row = rules.split('data-rule="sahel"')[1]
    assert re.findall(r'class="num">(\d+)<', row)[:2] == ["2", "2"]


async def test_a_test_alert_reaches_the_target(serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis) -> None:
    target = "mailto:veille@example.org"
    sub = Subscription(id="sahel", name="Sahel summits", query="AES summit", targets=(SecretStr(target),))
    await SubscriptionStore(redis).save(sub)
    sink = MailSink()
    with smtp_server(sink) as controller:
        base = await serve(
            NEWSALERT_SMTP_HOST="127.0.0.1", NEWSALERT_SMTP_PORT=str(controller.port), NEWSALERT_SMTP_SECURITY="none"
        )
        token = csrf_of((await http.get(f"{base}/alerts")).text)
        sent = await http.post(
            f"{base}/alerts/test", data={"rule": "sahel", "channel": channel_id(target), "csrf": token}
        )
    assert sent.status_code == 200
    assert "Alerte de test envoyée" in sent.text
    (message,) = sink.messages
    assert message["To"] == "veille@example.org"
    assert "test" in message["Subject"].lower()


async def test_an_open_server_refuses_to_start_on_a_public_address(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSALERT_API_TOKEN", raising=False)
    monkeypatch.delenv("NEWSALERT_DEV_MODE", raising=False)

    def runtime(**settings: object) -> Runtime:
        common = CommonSettings(redis_url=redis_url, **settings)  # type: ignore[arg-type]
        return Runtime(settings=common, broker=make_broker(redis_url), client=make_client(redis_url))

    with pytest.raises(ConfigError, match="NEWSALERT_API_TOKEN"):
        create_http_app(runtime(http_host="0.0.0.0"))
    assert create_http_app(runtime(http_host="0.0.0.0", dev_mode=True)) is not None
    monkeypatch.setenv("NEWSALERT_API_TOKEN", TOKEN)
    assert create_http_app(runtime(http_host="0.0.0.0")) is not None


async def test_a_rule_is_edited_disabled_and_enabled_keeping_only_chosen_targets(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    mail, chat = "mailto:veille@example.org", "tgram://123456789:AAFakeToken/-100123"
    store = SubscriptionStore(redis)
    await store.save(Subscription(id="sahel", name="Sahel", query="AES", targets=(SecretStr(mail), SecretStr(chat))))
    base = await serve()
    editor = await http.get(f"{base}/rules/sahel/edit")
    assert editor.status_code == 200
    assert "AAFakeToken" not in editor.text
    assert f'value="{channel_id(chat)}"' in editor.text
    form = {
        "csrf": csrf_of(editor.text),
        "name": "Sahel et Russie",
        "query": "AES Russia",
        "keep": channel_id(chat),
        "new_targets": "mailto:desk@example.org",
        "delivery": "digest",
        "timezone": "Africa/Bamako",
        "enabled": "on",
    }
    assert (await http.post(f"{base}/rules/sahel", data=form)).status_code == 303
    sub = await store.get("sahel")
    assert sub is not None
    assert (sub.name, sub.query, sub.delivery, sub.timezone) == (
        "Sahel et Russie",
        "AES Russia",
        "digest",
        "Africa/Bamako",
    )
    assert [t.get_secret_value() for t in sub.targets] == [chat, "mailto:desk@example.org"]
    token = form["csrf"]
    assert (await http.post(f"{base}/rules/sahel/disable", data={"csrf": token})).status_code == 303
    assert (await store.get("sahel")).enabled is False  # type: ignore[union-attr]
    assert '<td data-label="Active">non</td>' in (await http.get(f"{base}/rules")).text
    assert (await http.post(f"{base}/rules/sahel/enable", data={"csrf": token})).status_code == 303
    assert (await store.get("sahel")).enabled is True  # type: ignore[union-attr]
    assert (await http.post(f"{base}/rules/unknown/delete", data={"csrf": token})).status_code == 404
    assert (await http.post(f"{base}/rules/sahel/delete", data={"csrf": token})).status_code == 303
    assert await store.get("sahel") is None


async def test_the_editor_works_without_javascript(
    serve: Serve, http: httpx.AsyncClient, redis: aioredis.Redis
) -> None:
    await seed(redis, corpus())
    base = await serve()
    prefilled = await http.get(f"{base}/rules/new", params={"query": "Russia -Niger"})
    assert "y compris personnes et groupes affiliés" in prefilled.text
    form = {**RULE, "query": "AES summit", "csrf": csrf_of(prefilled.text)}
    preview = await http.post(f"{base}/rules/preview", data=form)
    assert preview.status_code == 200
    assert preview.text.count('class="hit"') == 4
    assert 'value="Sahel summits"' in preview.text
    assert await SubscriptionStore(redis).all() == []
    fragment = await http.get(f"{base}/ui/interpret", params={"query": "(AES summit"})
    assert 'data-column="1"' in fragment.text
