"""Size and time limits: a gzip bomb is cut at the decoded cap, a trickle at the deadline."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import pytest

from services.ingest.body import BoundedBody
from services.ingest.failures import FetchFailed, Refused
from services.ingest.fetcher import Fetcher
from tests.ingest.conftest import make_settings
from tests.ingest.server import LocalServer, Reply

MB = 1_000_000


def _zero_block() -> bytes:
    """Raw deflate for 1 MB of zeros, fully flushed so it can be repeated back to back."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(bytes(MB)) + packer.flush(zlib.Z_FULL_FLUSH)


ZERO_BLOCK = _zero_block()
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


async def gzip_bomb() -> AsyncIterator[bytes]:
    """About 10 MB on the wire that would decode to 10 GB of zeros (the trailer is never reached)."""
    yield GZIP_HEADER
    for _ in range(10_000):
        yield ZERO_BLOCK
        await asyncio.sleep(0)


async def endless_text() -> AsyncIterator[bytes]:
    line = b"<p>Le Conseil des ministres s'est r\xc3\xa9uni ce mercredi \xc3\xa0 Niamey.</p>\n" * 1000
    while True:
        yield line
        await asyncio.sleep(0)


async def trickle() -> AsyncIterator[bytes]:
    for byte in b"<rss version='2.0'><channel><title>Lent</title></channel></rss>":
        yield bytes([byte])
        await asyncio.sleep(1.0)  # the hostile server's pace, not test synchronisation


async def test_gzip_bomb_is_cut_off_at_the_decoded_cap(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/bomb.xml"] = Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Refused, match="larger than 10000000 bytes after decoding"):
        await fetcher.fetch(server.url("/bomb.xml"))
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 3.0
    assert peak < 40 * MB


async def test_endless_plain_body_is_cut_off_at_the_cap(server: LocalServer) -> None:
    server.routes["/page"] = Reply(body=endless_text)
    async with Fetcher(make_settings(max_body_bytes=2 * MB)) as fetcher:
        with pytest.raises(Refused, match="larger than 2000000 bytes"):
            await fetcher.fetch(server.url("/page"))


async def test_oversized_content_length_is_refused_before_reading(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/big"] = Reply(body=endless_text, headers={"Content-Length": str(50 * MB)})
    with pytest.raises(Refused, match="50000000 bytes is larger than the 10000000 byte cap"):
        await fetcher.fetch(server.url("/big"))


async def test_trickling_server_is_cut_off_by_the_overall_deadline(server: LocalServer) -> None:
    server.routes["/slow.xml"] = Reply(body=trickle)
    async with Fetcher(make_settings(fetch_deadline_s=1.5)) as fetcher:
        started = time.perf_counter()
        with pytest.raises(FetchFailed, match=r"no complete answer within 1\.5 s"):
            await fetcher.fetch(server.url("/slow.xml"))
        elapsed = time.perf_counter() - started
    assert 1.4 < elapsed < 2.5


async def test_unknown_content_encoding_is_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.routes["/rss"] = Reply(body=b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(Refused, match="unsupported Content-Encoding 'br'"):
        await fetcher.fetch(server.url("/rss"))


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS], ids=["zlib", "raw"])
def test_deflate_with_or_without_header_is_decoded(wbits: int) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    text = "Ouagadougou, le 24 novembre 2026 – ".encode() * 500
    wire = packer.compress(text) + packer.flush()
    body = BoundedBody("deflate", MB)
    for start in range(0, len(wire), 100):
        body.feed(wire[start : start + 100])
    assert body.result() == text


def test_several_gzip_members_are_joined() -> None:
    body = BoundedBody("gzip", MB)
    for part in (b"Bamako ", b"Niamey"):
        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        body.feed(packer.compress(part) + packer.flush())
    assert body.result() == b"Bamako Niamey"


def test_corrupt_gzip_is_a_readable_refusal() -> None:
    with pytest.raises(Refused, match="corrupt gzip body"):
        BoundedBody("gzip", MB).feed(b"definitely not gzip")
