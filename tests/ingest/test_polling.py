"""Poller behaviour: updates keep ids, replicas share feeds, failures stay with their source."""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from services.ingest.feeds import FeedState, FeedStore, upsert_feeds
from services.ingest.fetcher import Fetcher
from services.ingest.poller import Poller
from shared.streams import ARTICLES
from tests.ingest import corpus
from tests.ingest.conftest import make_settings
from tests.ingest.rig import Rig, make_rig
from tests.ingest.server import LocalServer, Reply
from tests.ingest.test_limits import trickle
from tests.waiting import wait_until

ITEM = """<item><title>{title}</title><link>{base}/actu/{slug}</link><guid>{slug}</guid>
<pubDate>{date}</pubDate><description>{text}</description><content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>"""


def rss(base: str, *items: tuple[str, str, str, str]) -> bytes:
    body = "".join(
        ITEM.format(base=base, slug=slug, title=title, text=text, date=date) for slug, title, text, date in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Niamey Soir</title>'
        f"{body}</channel></rss>"
    ).encode()


FLOOD = (
    "niger-crue-niamey",
    "Crue du fleuve Niger : trois quartiers de Niamey inondés",
    "Les eaux du fleuve ont envahi dans la nuit les quartiers de Lamordé, Kirkissoye et Gamkalé.",
    "Wed, 25 Nov 2026 06:00:00 +0000",
)
SUMMIT = (
    "sommet-niamey-aes",
    "Sommet de l'AES à Niamey",
    "Les chefs d'État du Mali, du Burkina Faso et du Niger se réunissent samedi à Niamey.",
    "Wed, 25 Nov 2026 07:00:00 +0000",
)


async def test_an_edited_item_publishes_an_update_and_a_bumped_date_nothing(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    rig.server.routes["/rss"] = Reply(body=rss(base, FLOOD, SUMMIT))
    await rig.add("/rss", "niamey-soir")
    await rig.poll_all()
    first = await rig.articles()
    assert len(first) == 2

    bumped = (*FLOOD[:3], "Wed, 25 Nov 2026 09:45:00 +0000")
    rig.server.routes["/rss"] = Reply(body=rss(base, bumped, SUMMIT))
    await rig.poll_again(["niamey-soir"])
    assert await rig.client.xlen(ARTICLES) == 2

    edited = (FLOOD[0], FLOOD[1] + " (bilan provisoire)", FLOOD[2] + " On déplore deux morts.", FLOOD[3])
    rig.server.routes["/rss"] = Reply(body=rss(base, edited, SUMMIT))
    await rig.poll_again(["niamey-soir"])
    assert await rig.client.xlen(ARTICLES) == 3
    after = await rig.articles()
    assert set(after) == set(first)
    flood = next(a for a in after.values() if a.title.startswith("Crue"))
    assert flood.title.endswith("(bilan provisoire)")
    assert "deux morts" in flood.text
    _, state = (await rig.health())["niamey-soir"]
    assert state.articles_seen == 3


async def test_not_modified_feed_publishes_nothing(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    body = rss(base, FLOOD)

    def conditional(request: object) -> Reply:
        if getattr(request, "headers", {}).get("if-none-match") == '"n1"':
            return Reply(304)
        return Reply(body=body, headers={"ETag": '"n1"'})

    rig.server.routes["/rss"] = conditional
    await rig.add("/rss", "niamey-soir")
    await rig.poll_all()
    await rig.poll_again(["niamey-soir"])
    assert await rig.client.xlen(ARTICLES) == 1
    assert rig.server.hits[-1].headers["if-none-match"] == '"n1"'
    _, state = (await rig.health())["niamey-soir"]
    assert state.status == "ok"


async def test_two_replicas_never_fetch_the_same_feed_in_one_interval(rig: Rig, redis: aioredis.Redis) -> None:
    base = rig.server.url("").rstrip("/")
    for number in range(6):
        rig.server.routes[f"/rss{number}"] = Reply(body=rss(base, (f"depeche-{number}", *FLOOD[1:])))
        await rig.add(f"/rss{number}", f"feed-{number}")
    settings = make_settings()
    async with Fetcher(settings) as fetcher_b:
        replica_b = Poller(redis, fetcher_b, settings)
        started = await asyncio.gather(rig.poller.tick(), replica_b.tick())
        await asyncio.gather(*started[0], *started[1])
        assert len(started[0]) + len(started[1]) == 6
        again = await asyncio.gather(rig.poller.tick(), replica_b.tick())
    assert again == [[], []]
    for number in range(6):
        assert rig.server.hits_on(f"/rss{number}") == 1


async def test_a_slow_source_does_not_slow_the_others(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    rig.server.routes["/slow.xml"] = Reply(body=trickle)
    rig.server.routes["/rss"] = Reply(body=rss(base, FLOOD, SUMMIT))
    await rig.add("/slow.xml", "slow")
    await rig.add("/rss", "fast")
    tasks = await rig.poller.tick()
    started = time.monotonic()

    async def fast_done() -> bool:
        return await rig.client.xlen(ARTICLES) == 2

    await wait_until(fast_done, timeout_s=5, what="the fast feed's articles")
    assert time.monotonic() - started < 1.0
    assert not all(task.done() for task in tasks)
    await asyncio.gather(*tasks)
    health = await rig.health()
    assert health["slow"][1].status == "failing"
    assert health["fast"][1].status == "ok"


async def test_retry_after_and_backoff_push_the_next_poll(rig: Rig) -> None:
    rig.server.routes["/busy"] = Reply(429, headers={"Retry-After": "3600"})
    rig.server.routes["/down"] = Reply(500)
    await rig.add("/busy", "busy")
    await rig.add("/down", "down")
    before = time.time()
    await rig.poll_all()
    await rig.poll_again(["down"])
    health = await rig.health()
    busy, down = health["busy"][1], health["down"][1]
    assert busy.next_due >= before + 3600
    assert "HTTP 429" in (busy.last_error or "")
    assert down.consecutive_failures == 2
    assert down.next_due >= before + 300
    assert await rig.poller.tick() == []


async def test_a_permanent_redirect_updates_the_stored_url(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    rig.server.routes["/old.rss"] = Reply(301, headers={"Location": "/new.rss"})
    rig.server.routes["/new.rss"] = Reply(body=rss(base, FLOOD))
    feed = await rig.add("/old.rss", "moved")
    await rig.poll_all()
    stored = await rig.store.get(feed.id)
    assert stored is not None
    assert stored[0].url == rig.server.url("/new.rss")
    assert await rig.client.xlen(ARTICLES) == 1


async def test_a_section_page_is_watched_for_new_article_links(rig: Rig) -> None:
    rig.server.routes["/politique"] = Reply(body=corpus.SECTION.substitute(menu=corpus.MENU, footer="").encode())
    rig.server.routes["/articles/niger-plan-irrigation.html"] = Reply(
        body=corpus.page("Niger : un plan pour l'irrigation", corpus.NIGER_PARAGRAPHS, "2026-11-24").encode()
    )
    rig.server.routes["/articles/mali-rentree-scolaire-reportee.html"] = Reply(
        body=corpus.page("Mali : la rentrée reportée", corpus.MALI_PARAGRAPHS, "2026-11-23").encode()
    )
    await rig.add("/politique", "politique", kind="page")
    await rig.poll_all()
    articles = await rig.articles()
    assert {a.title for a in articles.values()} == {"Niger : un plan pour l'irrigation", "Mali : la rentrée reportée"}
    assert rig.server.hits_on("/tag/niger") == 0
    await rig.poll_again(["politique"])
    assert rig.server.hits_on("/articles/niger-plan-irrigation.html") == 1
    assert await rig.client.xlen(ARTICLES) == 2


async def test_items_and_fields_are_capped(
    server: LocalServer, private_server: LocalServer, redis: aioredis.Redis
) -> None:
    base = server.url("").rstrip("/")
    items = [(f"depeche-{n}", f"Dépêche {n} " + "très " * 400, "Texte " * 500, FLOOD[3]) for n in range(50)]
    server.routes["/rss"] = Reply(body=rss(base, *items))
    settings = make_settings(max_items_per_feed=10, max_text_chars=2_000)
    async for made in make_rig(server, private_server, redis, settings):
        await made.add("/rss", "flood")
        await made.poll_all()
        articles = await made.articles()
    assert len(articles) == 10
    assert all(len(a.title) <= 1_000 and len(a.text) <= 2_000 for a in articles.values())


async def test_the_run_loop_polls_until_stopped(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    rig.server.routes["/rss"] = Reply(body=rss(base, FLOOD))
    await rig.add("/rss", "niamey-soir")
    stop = asyncio.Event()
    running = asyncio.create_task(rig.poller.run(stop))

    async def polled() -> bool:
        # the article is published inside the poll; the poll is over once it is counted
        return await rig.client.xlen(ARTICLES) == 1 and rig.poller.counters["polls"] == 1

    await wait_until(polled, timeout_s=5, what="the first poll to finish")
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    assert running.exception() is None
    assert rig.poller.counters == {"polls": 1, "failures": 0, "articles": 1}


async def test_a_removed_feed_is_not_brought_back_by_its_poll(rig: Rig) -> None:
    base = rig.server.url("").rstrip("/")
    rig.server.routes["/rss"] = Reply(body=rss(base, FLOOD))
    feed = await rig.add("/rss", "niamey-soir")
    assert await rig.store.remove(feed.id)
    state = await rig.poller.poll(feed, FeedState())
    assert state.status == "ok"
    assert await rig.store.get(feed.id) is None
    assert await rig.store.all() == []


async def test_feeds_from_config_load_while_bad_entries_are_named(redis: aioredis.Redis) -> None:
    store = FeedStore(redis)
    errors = await upsert_feeds(
        store,
        [
            {"name": "ActuNiger", "url": "https://www.actuniger.com/feed", "interval_s": 600},
            {"name": "trop-vite", "url": "https://lefaso.net/spip.php?page=backend", "interval_s": 5},
            {"name": "sans-url"},
            {"name": "ftp", "url": "ftp://maliweb.net/rss"},
            {"name": "inconnu", "url": "https://maliweb.net/feed", "colour": "red"},
            "not a mapping",
        ],
    )
    assert len(errors) == 5
    assert errors[0].startswith("feeds[2] (trop-vite): interval_s:")
    assert "url" in errors[1]
    assert "ftp" in errors[2]
    assert "colour" in errors[3]
    assert errors[4].startswith("feeds[6]")
    feeds = [feed for feed, _ in await store.all()]
    assert [(f.name, f.interval_s) for f in feeds] == [("ActuNiger", 600)]
    assert await upsert_feeds(store, [{"name": "ActuNiger", "url": "https://www.actuniger.com/feed"}]) == []
    assert [(f.name, f.interval_s) for f, _ in await store.all()] == [("ActuNiger", 300)]
