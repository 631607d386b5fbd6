"""Stable article ids: the same article, fetched again or edited, keeps its id."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import unquote_plus, urlsplit, urlunsplit

ID_HEX_CHARS = 32
TRACKING_PREFIXES = ("utm_", "mc_", "pk_")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "xtor"})


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop the fragment, default ports and tracking parameters."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    # Filter raw "name=value" pieces rather than re-encoding them: "spip.php?article12" stays as written.
    query = "&".join(
        piece
        for piece in parts.query.split("&")
        if piece and not _is_tracking(unquote_plus(piece.split("=", 1)[0]).lower())
    )
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def _is_tracking(name: str) -> bool:
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:ID_HEX_CHARS]


def article_id(
    url: str | None, source: str = "", guid: str | None = None, title: str = "", published: datetime | None = None
) -> str:
    """Id of an article: its canonical URL hashed, else source + guid, else source + title + date."""
    if url:
        return _digest("url", canonical_url(url))
    if guid:
        return _digest("guid", source, guid)
    day = published.date().isoformat() if published else ""
    return _digest("title", source, " ".join(title.lower().split()), day)


def source_of(url: str | None) -> str:
    """The source domain of a URL, without a leading www."""
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")
