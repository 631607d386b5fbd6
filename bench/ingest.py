"""Ingest benchmarks: each hostile source against a loopback server (time and memory, as a ratio to
fetching and parsing an ordinary 200-item feed), and parsing/extraction cost vs the bare libraries."""

from __future__ import annotations

import asyncio
import resource
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable

import feedparser
import trafilatura

from services.ingest.entries import parse_feed
from services.ingest.extractor import extract_page
from services.ingest.failures import FetchFailed
from services.ingest.fetcher import Fetcher
from tests.ingest import corpus
from tests.ingest.conftest import make_settings
from tests.ingest.server import LocalServer, Reply
from tests.ingest.test_guard import BILLION_LAUGHS, EXTERNAL, QUADRATIC
from tests.ingest.test_limits import endless_text, gzip_bomb, trickle

MB = 1024 * 1024
ROUNDS = 20


def rss(items: int) -> bytes:
    item = (
        "<item><title>Dépêche {n} : le fleuve Niger en crue à Niamey</title>"
        "<link>https://sahel.example/actu/depeche-{n}</link><guid>d-{n}</guid>"
        "<pubDate>Wed, 25 Nov 2026 06:00:00 +0000</pubDate>"
        "<description>Les eaux ont envahi les quartiers de Lamordé et Kirkissoye, selon la protection "
        "civile.</description></item>"
    )
    body = "".join(item.format(n=n) for n in range(items))
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Sahel</title>'
    return f"{head}{body}</channel></rss>".encode()


def _huge_field() -> bytes:
    html = "<p>Le fleuve Niger est en crue à Niamey.</p>" * 150_000
    item = f"<item><title>Crue</title><description><![CDATA[{html}]]></description></item>"
    return f'<rss version="2.0"><channel>{item}</channel></rss>'.encode()


async def lazy_gigabyte() -> AsyncIterator[bytes]:
    chunk = bytes(MB)
    for _ in range(1024):
        yield chunk
        await asyncio.sleep(0)


async def _measure(work: Callable[[], Awaitable[str]]) -> tuple[float, float, str]:
    """Time one run as is, then trace the Python heap's peak in a second run (tracing slows it)."""
    started = time.perf_counter()
    outcome = await work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    await work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / MB, outcome


async def _hostile() -> None:
    server = await LocalServer().start()
    routes = {
        "/normal": Reply(body=rss(200)),
        "/billion-laughs": Reply(body=BILLION_LAUGHS),
        "/quadratic-40KB": Reply(body=QUADRATIC),
        "/external-entity": Reply(body=EXTERNAL),
        "/gzip-bomb-10MB-to-10GB": Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"}),
        "/lazy-1GB-body": Reply(body=lazy_gigabyte),
        "/endless-html": Reply(body=endless_text),
        "/trickle-1B-per-s": Reply(body=trickle),
        "/redirect-loop": Reply(302, headers={"Location": "/redirect-loop"}),
        "/20k-items": Reply(body=rss(20_000)),
        "/7MB-html-field": Reply(body=_huge_field()),
    }
    server.routes.update(routes)
    settings = make_settings(fetch_deadline_s=2.0)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    async with Fetcher(settings) as fetcher:

        def case(path: str) -> Callable[[], Awaitable[str]]:
            async def work() -> str:
                try:
                    fetched = await fetcher.fetch(server.url(path))
                    parsed = await asyncio.to_thread(
                        parse_feed, fetched.body, fetched.url, fetched.content_type, 500, 200_000
                    )
                except FetchFailed as exc:
                    return f"refused: {exc.reason[:60]}"
                return f"{len(parsed.entries)} entries, {parsed.dropped} over the cap"

            return work

        base_times = [(await _measure(case("/normal")))[0] for _ in range(3)]
        base = sorted(base_times)[2]
        print(f"baseline: fetch + parse a 200-item feed: {base * 1000:.1f} ms")
        print(f"{'case':<26} {'time':>9} {'x base':>7} {'peak MB':>8}  outcome")
        for path in routes:
            elapsed, peak, outcome = await _measure(case(path))
            print(f"{path[1:]:<26} {elapsed * 1000:>7.0f}ms {elapsed / base:>7.1f} {peak:>8.1f}  {outcome}")
    await server.close()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss_before:.0f} MB before the hostile cases, {rss_after:.0f} MB after")


def _timed(work: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return sorted(times)[ROUNDS // 2]


def _parsing() -> None:
    feed = rss(200)
    ours = _timed(lambda: parse_feed(feed, "https://sahel.example/feed", "application/rss+xml", 500, 200_000))
    bare = _timed(lambda: feedparser.parse(feed))
    print(f"parse 200-item RSS: {ours * 1000:.1f} ms, bare feedparser {bare * 1000:.1f} ms, ratio {ours / bare:.2f}")
    html = corpus.page("Niger : un plan pour l'irrigation", corpus.NIGER_PARAGRAPHS * 4, "2026-11-24")
    url = "https://sahel.example/articles/niger-plan-irrigation.html"
    ours = _timed(lambda: extract_page(html, url, 200_000))
    bare = _timed(lambda: trafilatura.extract(html, url=url, with_metadata=True, favor_precision=True))
    print(f"extract article page: {ours * 1000:.1f} ms, bare trafilatura {bare * 1000:.1f} ms, ratio {ours / bare:.2f}")


def main() -> None:
    """Print the hostile-source table and the parsing ratios."""
    asyncio.run(_hostile())
    _parsing()


if __name__ == "__main__":
    main()
