"""Guards in front of every fetch and every XML parse: public addresses only, no XML entities.

A URL is fetched only over http(s), and only once every address its host resolves to
is global (IPv4-mapped IPv6 unwrapped) or named by the operator's allow-list; the
connection then goes to the address that was checked, so a second DNS answer cannot
redirect it (rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from services.ingest.failures import FetchFailed, Refused
from shared.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Answers every address of ``(host, port)``; tests swap in a stub."""

ENTITY_REFUSAL = "XML entity declarations not allowed"


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks the operator lets ingest reach although they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Build the list from ``NEWSALERT_FETCH_ALLOW``: comma-separated hosts, addresses or CIDRs."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in text.split(","):
            item = raw.strip().lower()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                if "/" in item or not item.replace("-", "").replace(".", "").isalnum():
                    raise ConfigError(f"NEWSALERT_FETCH_ALLOW: {raw.strip()!r} is neither a host nor a CIDR") from None
                hosts.add(item)
        return cls(frozenset(hosts), tuple(networks))

    def permits(self, host: str, address: IPAddress) -> bool:
        """Tell whether the operator allowed this host or this address."""
        return host.lower() in self.hosts or any(address in net for net in self.networks)


def unwrap(text: str) -> IPAddress:
    """Parse an address, turning IPv4-mapped IPv6 (``::ffff:a.b.c.d``) into its IPv4 address."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """Tell whether an address is globally routable unicast."""
    return address.is_global and not address.is_multicast


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve every A and AAAA address of ``host`` with the system resolver."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"DNS lookup of {host} failed: {exc}") from exc
    return [str(info[4][0]) for info in infos]


def check_scheme(url: httpx.URL) -> None:
    """Refuse anything but http(s) URLs with a host."""
    if url.scheme not in ("http", "https"):
        raise Refused(f"only http and https URLs are fetched, not {url.scheme or 'no scheme'}:")
    if not url.host:
        raise Refused("URL has no host")


async def pin(url: httpx.URL, allow: AllowList, resolve: Resolver) -> IPAddress:
    """Return the checked address to connect to for ``url``, or refuse it before any connection."""
    check_scheme(url)
    port = url.port or (443 if url.scheme == "https" else 80)
    answers = await resolve(url.host, port)
    if not answers:
        raise FetchFailed(f"{url.host} has no address")
    addresses = [unwrap(answer) for answer in answers]
    for address in addresses:
        if not is_public(address) and not allow.permits(url.host, address):
            raise Refused(f"{url.host} resolves to non-public address {address}; not in NEWSALERT_FETCH_ALLOW")
    return addresses[0]


def refuse_entities(data: bytes) -> None:
    """Refuse an XML document that declares entities anywhere, before any parser can expand them.

    A byte scan rather than a parse: feedparser's loose fallback reads even malformed documents,
    so a declaration must be refused wherever it sits. Removing NUL bytes first makes UTF-16 and
    UTF-32 text scannable too. A literal ``<!ENTITY`` inside CDATA is refused as well: a rare
    false alarm, worth the certainty.
    """
    if b"<!entity" in data.replace(b"\x00", b"").lower():
        raise Refused(ENTITY_REFUSAL)
