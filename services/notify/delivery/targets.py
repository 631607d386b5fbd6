"""Notification targets: ``mailto:`` addresses and apprise URLs, checked when a rule is saved."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import apprise

from shared.errors import InputError, TransientError

MAX_TARGET_CHARS = 2_048
MAX_ADDRESS_CHARS = 254
WEBHOOK_SCHEMAS = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
"""Schemas whose host is chosen by the user, so it must not point inside our network."""

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")
_CHAT = re.compile(r"^(?:-?\d{1,20}|@?[A-Za-z][A-Za-z0-9_]{3,31})(?::\d{1,10})?$")
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")

TargetKind = Literal["email", "push"]


def target_kind(target: str) -> TargetKind:
    """Tell an email address (sent by our SMTP relay) from an apprise URL."""
    return "email" if target.lower().startswith("mailto:") else "push"


def email_address(target: str) -> str:
    """Return the one address of a ``mailto:`` target, refusing anything but a plain address."""
    if not target.lower().startswith("mailto:"):
        raise InputError("email target must start with mailto:")
    address = target[len("mailto:") :]
    if address.startswith("//"):
        raise InputError("email target must be mailto:user@domain (no server or password in it)")
    if len(address) > MAX_ADDRESS_CHARS or not _ADDRESS.fullmatch(address):
        raise InputError("email target is not one plain address (user@domain, no spaces, names or headers)")
    return address


def validate_target(target: str, *, allow_private: bool = False) -> None:
    """Refuse a target that could never deliver, or could reach a private address, with a reason.

    The message never repeats the target itself: it may hold a token.
    """
    if not target or not target.strip():
        raise InputError("notification target is empty")
    if len(target) > MAX_TARGET_CHARS or any(c in target for c in "\r\n\t\0 "):
        raise InputError("notification target is too long or contains spaces or control characters")
    if target_kind(target) == "email":
        email_address(target)
        return
    scheme = target.split("://", 1)[0].lower() if "://" in target else ""
    service = apprise.Apprise.instantiate(target)
    if service is None:
        raise InputError(f"notification URL with scheme {scheme!r} is not supported or malformed")
    if scheme in ("tgram", "telegram"):
        _check_telegram(target, service)
    if scheme in WEBHOOK_SCHEMAS and not allow_private:
        check_host_name(str(service.host or ""))


def _check_telegram(target: str, service: object) -> None:
    parts = urlsplit(target)
    chats = [p for p in parts.path.split("/") if p]
    for extra in parse_qs(parts.query).get("to", []):
        chats.extend(c for c in re.split(r"[\s,]+", extra) if c)
    if not chats:
        raise InputError("Telegram URL names no chat id (tgram://TOKEN/CHAT_ID)")
    bad = [c for c in chats if not _CHAT.fullmatch(c)]
    if bad:
        raise InputError(f"Telegram chat id {bad[0]!r} is invalid (a number, -100… for groups, or @channel)")
    if not getattr(service, "targets", None):
        raise InputError("Telegram URL has no usable chat id")


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_host_name(host: str) -> None:
    """Refuse a literal private address or a name that only resolves inside a network."""
    name = host.strip("[]").lower().rstrip(".")
    if not name:
        raise InputError("webhook URL has no host")
    try:
        private = _is_private(name)
    except ValueError:
        private = name == "localhost" or name.endswith(_LOCAL_NAMES)
    if private:
        raise InputError("webhook host is a private or local address; an operator must allow private targets")


async def check_host_resolves_public(host: str) -> None:
    """Refuse a webhook host that resolves to any non-global address (checked again before each send)."""
    check_host_name(host)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except OSError as e:
        raise TransientError(f"webhook host does not resolve: {e.strerror or e}") from e
    if any(_is_private(str(info[4][0])) for info in infos):
        raise InputError("webhook host resolves to a private address; an operator must allow private targets")
