"""Signed unsubscribe tokens: the subscription id and an HMAC, so a link cannot be forged."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from shared.errors import InputError

MAC_CHARS = 32


def _mac(subscription: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{subscription}".encode(), hashlib.sha256)
    return digest.hexdigest()[:MAC_CHARS]


def sign(subscription: str, secret: str) -> str:
    """Return a URL-safe token that names ``subscription`` and proves we issued it."""
    name = base64.urlsafe_b64encode(subscription.encode()).decode().rstrip("=")
    return f"{name}.{_mac(subscription, secret)}"


def verify(token: str, secret: str) -> str:
    """Return the subscription id a token names, or raise InputError if it is not ours."""
    name, _, mac = token.partition(".")
    try:
        subscription = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        raise InputError("unsubscribe token is malformed") from e
    if not subscription or not hmac.compare_digest(mac, _mac(subscription, secret)):
        raise InputError("unsubscribe token is invalid")
    return subscription


def unsubscribe_url(public_url: str | None, secret: str | None, subscription: str) -> str | None:
    """The one-click unsubscribe link of a subscription, when a public URL and a secret are set."""
    if not public_url or not secret:
        return None
    return f"{public_url}/unsubscribe/{sign(subscription, secret)}"
