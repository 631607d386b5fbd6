"""The one HTTP client of ingest: guarded, polite, conditional and bounded in size and time."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from services.ingest.body import BoundedBody
from services.ingest.failures import FetchFailed, Gone, Refused
from services.ingest.guard import AllowList, IPAddress, Resolver, pin, system_resolver
from services.ingest.settings import IngestSettings
from shared.errors import ConfigError

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})


@dataclass(frozen=True)
class Fetched:
    """A fetched document (status 200) or a "not modified" answer (status 304)."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    """The new address to store when every redirect on the way was permanent."""


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_hit: float = float("-inf")


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Read a Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _refuse_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 410:
        raise Gone("410 Gone: the source says it is gone for good")
    if status in (429, 503):
        wait = retry_after_s(response.headers.get("retry-after"))
        raise FetchFailed(f"HTTP {status} {response.reason_phrase}".strip(), retry_after_s=wait)
    if status != 200:
        raise FetchFailed(f"HTTP {status} {response.reason_phrase}".strip())


class Fetcher:
    """Fetches URLs for every feed of the process through one shared connection pool."""

    def __init__(
        self,
        settings: IngestSettings,
        resolve: Resolver = system_resolver,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.allow = AllowList.parse(settings.fetch_allow)
        self._resolve = resolve
        self._clock = clock
        self._hosts: dict[str, _Host] = {}
        timeout = httpx.Timeout(settings.fetch_deadline_s, connect=settings.connect_timeout_s)
        self._client = httpx.AsyncClient(
            timeout=timeout,
            verify=_tls_context(settings),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def fetch(
        self, url: str, etag: str | None = None, last_modified: str | None = None, accept: str = FEED_ACCEPT
    ) -> Fetched:
        """Fetch ``url`` following at most five guarded redirects, within one overall deadline."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        budget = self.settings.fetch_deadline_s
        current = self._parse(url)
        moved_to: str | None = None
        all_permanent = True
        for _ in range(MAX_REDIRECTS + 1):
            address = await pin(current, self.allow, self._resolve)
            async with self._polite(current.host):
                started_net = self._clock()
                result = await self._hop(current, address, headers, budget)
                budget -= self._clock() - started_net
            if isinstance(result, Fetched):
                return result if moved_to is None else _with_move(result, moved_to)
            status, target = result
            all_permanent = all_permanent and status in PERMANENT
            current = self._parse(str(current.join(target)))
            moved_to = str(current) if all_permanent else None
            logger.debug("redirected (%s) to %s", status, current, extra={"feed": url})
        raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

    @staticmethod
    def _parse(url: str) -> httpx.URL:
        try:
            return httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise Refused(f"invalid URL {url[:200]!r}: {exc}") from exc

    @asynccontextmanager
    async def _polite(self, host: str) -> AsyncIterator[None]:
        state = self._hosts.setdefault(host, _Host())
        async with state.lock:
            wait = state.last_hit + self.settings.host_delay_s - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)  # politeness toward the host, not synchronisation
            try:
                yield
            finally:
                state.last_hit = self._clock()

    async def _hop(
        self, url: httpx.URL, address: IPAddress, headers: dict[str, str], budget_s: float
    ) -> Fetched | tuple[int, str]:
        """Do one request to the pinned address; answer a document or (redirect status, Location)."""
        if budget_s <= 0:
            raise FetchFailed(f"no complete answer within {self.settings.fetch_deadline_s:g} s")
        host = url.raw_host.decode("ascii")
        pinned = url.copy_with(host=address.compressed)
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        hop_headers = {**headers, "Host": url.netloc.decode("ascii")}
        try:
            async with asyncio.timeout(budget_s):
                return await self._request(url, pinned, hop_headers, extensions)
        except TimeoutError:
            raise FetchFailed(f"no complete answer within {self.settings.fetch_deadline_s:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchFailed(f"{type(exc).__name__} fetching {host}: {exc}") from exc

    async def _request(
        self, url: httpx.URL, pinned: httpx.URL, headers: dict[str, str], extensions: dict[str, str]
    ) -> Fetched | tuple[int, str]:
        request = self._client.build_request("GET", pinned, headers=headers, extensions=extensions)
        response = await self._client.send(request, stream=True)
        try:
            if response.status_code in REDIRECTS and "location" in response.headers:
                return response.status_code, response.headers["location"]
            validators = {"etag": response.headers.get("etag"), "last_modified": response.headers.get("last-modified")}
            if response.status_code == 304:
                return Fetched(str(url), 304, **validators)
            _refuse_status(response)
            body = await self._read(response)
            content_type = response.headers.get("content-type", "")
            return Fetched(str(url), 200, body, content_type, **validators)
        finally:
            await response.aclose()

    async def _read(self, response: httpx.Response) -> bytes:
        cap = self.settings.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise Refused(f"body of {declared} bytes is larger than the {cap} byte cap")
        body = BoundedBody(response.headers.get("content-encoding", ""), cap)
        async for raw in response.aiter_raw():
            body.feed(raw)
        return body.result()


def _tls_context(settings: IngestSettings) -> ssl.SSLContext:
    context = httpx.create_ssl_context(trust_env=False)  # httpx's own CA bundle
    if settings.fetch_ca_file is not None:
        try:
            context.load_verify_locations(cafile=settings.fetch_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"NEWSALERT_FETCH_CA_FILE {settings.fetch_ca_file}: {exc}") from exc
    return context


def _with_move(result: Fetched, moved_to: str) -> Fetched:
    return Fetched(
        result.url, result.status, result.body, result.content_type, result.etag, result.last_modified, moved_to
    )
