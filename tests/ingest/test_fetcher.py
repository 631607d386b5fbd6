"""The fetcher against a real HTTP server on 127.0.0.1: conditional GET, redirects, status handling."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator

import pytest

from services.ingest.failures import FetchFailed, Gone
from services.ingest.fetcher import Fetcher, retry_after_s
from tests.ingest.conftest import make_settings
from tests.ingest.server import LocalServer, Reply, Request

FEED = b"<?xml version='1.0'?><rss version='2.0'><channel><title>Niamey</title></channel></rss>"


async def test_fetch_names_the_project_and_returns_the_body(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/rss"] = Reply(body=FEED, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    fetched = await fetcher.fetch(server.url("/rss"))
    assert fetched.status == 200
    assert fetched.body == FEED
    assert fetched.etag == '"v1"'
    assert server.hits[0].headers["user-agent"].startswith("newsalert/")
    assert server.hits[0].headers["host"] == f"127.0.0.1:{server.port}"


async def test_conditional_get_answers_not_modified(server: LocalServer, fetcher: Fetcher) -> None:
    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(body=FEED, headers={"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 08:00:00 GMT"})

    server.routes["/rss"] = conditional
    first = await fetcher.fetch(server.url("/rss"))
    second = await fetcher.fetch(server.url("/rss"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304
    assert second.body == b""
    assert server.hits[1].headers["if-modified-since"] == "Wed, 25 Nov 2026 08:00:00 GMT"


async def test_gzip_body_is_decoded(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/rss"] = Reply(body=gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
    assert (await fetcher.fetch(server.url("/rss"))).body == FEED


async def test_permanent_redirects_report_the_new_address(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/old"] = Reply(301, headers={"Location": "/older"})
    server.routes["/older"] = Reply(308, headers={"Location": server.url("/new")})
    server.routes["/new"] = Reply(body=FEED)
    fetched = await fetcher.fetch(server.url("/old"))
    assert fetched.body == FEED
    assert fetched.moved_to == server.url("/new")


async def test_a_temporary_hop_keeps_the_stored_address(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/old"] = Reply(301, headers={"Location": "/tmp"})
    server.routes["/tmp"] = Reply(302, headers={"Location": "/new"})
    server.routes["/new"] = Reply(body=FEED)
    assert (await fetcher.fetch(server.url("/old"))).moved_to is None


async def test_redirect_loop_stops_after_five_hops(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/loop"] = Reply(302, headers={"Location": "/loop"})
    with pytest.raises(FetchFailed, match="more than 5 redirects"):
        await fetcher.fetch(server.url("/loop"))
    assert server.hits_on("/loop") == 6


async def test_gone_is_its_own_failure(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/rss"] = Reply(410)
    with pytest.raises(Gone, match="410"):
        await fetcher.fetch(server.url("/rss"))


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_is_carried_on_the_failure(server: LocalServer, fetcher: Fetcher, status: int) -> None:
    server.routes["/rss"] = Reply(status, headers={"Retry-After": "120"})
    with pytest.raises(FetchFailed) as caught:
        await fetcher.fetch(server.url("/rss"))
    assert caught.value.retry_after_s == 120.0
    assert str(status) in caught.value.reason


async def test_server_error_is_a_readable_failure(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/rss"] = Reply(500)
    with pytest.raises(FetchFailed, match="HTTP 500 Internal Server Error"):
        await fetcher.fetch(server.url("/rss"))


async def test_closed_port_is_a_readable_failure(fetcher: Fetcher) -> None:
    closed = LocalServer("127.0.0.1")
    await closed.start()
    url = closed.url("/rss")
    await closed.close()
    with pytest.raises(FetchFailed, match="ConnectError"):
        await fetcher.fetch(url)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", 30.0),
        (" 0 ", 0.0),
        ("Wed, 25 Nov 2026 08:01:00 GMT", 60.0),
        ("Wed, 25 Nov 2026 07:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(header: str | None, expected: float | None) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert retry_after_s(header, now) == expected


async def test_same_host_hits_are_spaced_and_never_concurrent(server: LocalServer) -> None:
    server.routes["/a"] = Reply(body=FEED)
    server.routes["/b"] = Reply(body=FEED)
    async with Fetcher(make_settings(host_delay_s=0.2)) as polite:
        await asyncio.gather(polite.fetch(server.url("/a")), polite.fetch(server.url("/b")))
    first, second = sorted(hit.at for hit in server.hits)
    assert second - first >= 0.2


async def test_other_hosts_do_not_wait_for_a_slow_one(server: LocalServer) -> None:
    release = asyncio.Event()

    async def held() -> AsyncIterator[bytes]:
        await release.wait()
        yield FEED

    server.routes["/slow"] = Reply(body=held, headers={"Content-Length": str(len(FEED))})
    server.routes["/fast"] = Reply(body=FEED)

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]  # "other.test" is another host name for the same server

    async with Fetcher(make_settings(fetch_allow="127.0.0.1,other.test"), resolve=resolve) as shared:
        slow = asyncio.create_task(shared.fetch(server.url("/slow")))
        fast = await shared.fetch(f"http://other.test:{server.port}/fast")
        fast_hit = next(hit for hit in server.hits if hit.path == "/fast")
        assert fast_hit.headers["host"] == f"other.test:{server.port}"
        assert fast.body == FEED
        assert not slow.done()
        release.set()
        assert (await slow).body == FEED
