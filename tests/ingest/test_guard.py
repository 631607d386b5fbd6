"""SSRF and XML-entity guards: private targets refused before any connection, entities before parsing."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from services.ingest.failures import Refused
from services.ingest.fetcher import Fetcher
from services.ingest.guard import ENTITY_REFUSAL, AllowList, refuse_entities, unwrap
from shared.errors import ConfigError
from tests.ingest.conftest import make_settings
from tests.ingest.server import LocalServer, Reply

RSS = b"<rss version='2.0'><channel><title>Sahel</title></channel></rss>"


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/rss",
        "http://2130706433:{port}/rss",
        "http://0x7f.1:{port}/rss",
        "http://[::ffff:127.0.0.1]:{port}/rss",
        "http://localhost:{port}/rss",
        "file:///etc/hostname",
        "gopher://127.0.0.1:{port}/_rss",
        "ftp://127.0.0.1:{port}/rss",
    ],
)
async def test_without_allow_list_loopback_is_refused_before_connecting(server: LocalServer, template: str) -> None:
    server.routes["/rss"] = Reply(body=RSS)
    async with Fetcher(make_settings(fetch_allow="")) as strict:
        with pytest.raises(Refused):
            await strict.fetch(template.format(port=server.port))
    assert server.hits == []


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.5"], ["192.168.1.20"], ["100.64.0.1"], ["fd00::5"], ["::ffff:10.0.0.5"], ["8.8.8.8", "10.0.0.5"]],
)
async def test_a_host_resolving_to_a_private_address_is_refused_without_a_socket(answers: list[str]) -> None:
    async def stub(host: str, port: int) -> list[str]:
        return answers

    async with Fetcher(make_settings(fetch_allow="127.0.0.1"), resolve=stub) as fetcher:
        with pytest.raises(Refused, match="non-public address"):
            await fetcher.fetch("http://evil.test/feed.xml")
    # the autouse loopback_only fixture fails the test had any socket been opened


async def test_a_redirect_to_an_unlisted_address_is_refused_and_never_reached(
    server: LocalServer, private_server: LocalServer, fetcher: Fetcher
) -> None:
    private_server.routes["/latest/meta-data"] = Reply(body=b"secret")
    server.routes["/rss"] = Reply(302, headers={"Location": private_server.url("/latest/meta-data")})
    with pytest.raises(Refused, match=r"127\.0\.0\.2"):
        await fetcher.fetch(server.url("/rss"))
    assert server.hits_on("/rss") == 1
    assert private_server.hits == []


async def test_the_connection_goes_to_the_checked_address_not_a_second_answer(server: LocalServer) -> None:
    answers = iter([["127.0.0.1"], ["127.0.0.3"]])
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    server.routes["/rss"] = Reply(body=RSS)
    async with Fetcher(make_settings(fetch_allow="127.0.0.1/32"), resolve=rebinding) as fetcher:
        fetched = await fetcher.fetch(f"http://rebind.test:{server.port}/rss")
    assert fetched.body == RSS
    assert calls == ["rebind.test"]
    assert server.hits[0].headers["host"] == f"rebind.test:{server.port}"


def test_allow_list_reads_hosts_and_networks() -> None:
    allow = AllowList.parse(" feeds.lan, 10.1.0.0/16 ,192.168.1.7,")
    assert allow.permits("FEEDS.lan", unwrap("192.168.9.9"))
    assert allow.permits("other.lan", unwrap("10.1.200.3"))
    assert allow.permits("x", unwrap("::ffff:192.168.1.7"))
    assert not allow.permits("other.lan", unwrap("10.2.0.1"))


def test_allow_list_names_a_bad_entry() -> None:
    with pytest.raises(ConfigError, match=r"10\.0\.0\.0/33"):
        AllowList.parse("feeds.lan,10.0.0.0/33")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"A" * 10_000 + b'">]>'
    b"<rss version='2.0'><channel><title>" + b"&a;" * 10_000 + b"</title></channel></rss>"
)
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY host SYSTEM "file:///etc/hostname">]>
<rss version="2.0"><channel><title>&host;</title></channel></rss>"""
PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.2/evil.dtd"> %remote;]>
<rss version="2.0"><channel><title>x</title></channel></rss>"""
MALFORMED_WITH_ENTITY = b"<rss><!DOCTYPE x [<!ENTITY a 'b'>]><channel><title>&a;</title></rss"
UTF16_WITH_ENTITY = (
    QUADRATIC.decode("ascii").replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
)


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, QUADRATIC, EXTERNAL, PARAMETER, MALFORMED_WITH_ENTITY, UTF16_WITH_ENTITY],
    ids=["billion-laughs", "quadratic", "external", "parameter", "malformed", "utf16"],
)
def test_entity_declarations_are_refused_fast_and_small(document: bytes) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(Refused, match=ENTITY_REFUSAL):
        refuse_entities(document)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 5_000_000


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel/></rss>',
        b"<rss version='2.0'><channel><title>XML &amp; le &lt;!ENTITY&gt; expliqu\xc3\xa9</title></channel></rss>",
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>Ouaga</title></feed>",
        b"not xml at all",
    ],
)
def test_documents_without_entity_declarations_pass(document: bytes) -> None:
    refuse_entities(document)


@pytest.mark.parametrize("target", ["file:///etc/hostname", "gopher://127.0.0.1:70/_x", "http://[::1]:9/x"])
async def test_a_redirect_off_http_or_to_loopback_v6_is_refused(
    server: LocalServer, fetcher: Fetcher, target: str
) -> None:
    server.routes["/rss"] = Reply(301, headers={"Location": target})
    with pytest.raises(Refused):
        await fetcher.fetch(server.url("/rss"))
    assert server.hits_on("/rss") == 1
