"""https through the pinned address: the certificate is still checked against the feed's host name."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.ingest.failures import FetchFailed
from services.ingest.fetcher import Fetcher
from shared.errors import ConfigError
from tests.ingest.conftest import make_settings
from tests.ingest.server import LocalServer, Reply

RSS = b"<rss version='2.0'><channel><title>Lom\xc3\xa9 Matin</title></channel></rss>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for feeds.test, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=feeds.test",
            "-addext",
            "subjectAltName=DNS:feeds.test",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def tls_server(certificate: tuple[Path, Path]) -> AsyncIterator[LocalServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    local = await LocalServer("127.0.0.1", tls=context).start()
    local.routes["/rss"] = Reply(body=RSS)
    yield local
    await local.close()


async def to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_https_goes_to_the_pinned_address_with_the_host_name_checked(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    settings = make_settings(fetch_allow="127.0.0.1", fetch_ca_file=certificate[0])
    async with Fetcher(settings, resolve=to_loopback) as fetcher:
        fetched = await fetcher.fetch(f"https://feeds.test:{tls_server.port}/rss")
    assert fetched.body == RSS
    assert tls_server.hits[0].headers["host"] == f"feeds.test:{tls_server.port}"


async def test_a_certificate_for_another_name_is_refused(
    tls_server: LocalServer, certificate: tuple[Path, Path]
) -> None:
    settings = make_settings(fetch_allow="127.0.0.1", fetch_ca_file=certificate[0])
    async with Fetcher(settings, resolve=to_loopback) as fetcher:
        with pytest.raises(FetchFailed, match="ConnectError"):
            await fetcher.fetch(f"https://other.test:{tls_server.port}/rss")
    assert tls_server.hits == []


async def test_an_untrusted_certificate_is_refused(tls_server: LocalServer) -> None:
    async with Fetcher(make_settings(fetch_allow="127.0.0.1"), resolve=to_loopback) as fetcher:
        with pytest.raises(FetchFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await fetcher.fetch(f"https://feeds.test:{tls_server.port}/rss")


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSALERT_FETCH_CA_FILE"):
        Fetcher(make_settings(fetch_ca_file=tmp_path / "missing.pem"))
