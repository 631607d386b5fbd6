"""Logging setup shared by every process: text or JSON lines, the same keys, secrets redacted."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

CONTEXT_KEYS = ("service", "article_id", "stream", "feed", "subscription", "channel", "story", "error")
"""The extra keys log lines may carry; the same names in every module."""

_SECRET_PATTERNS = (
    # credentials inside URLs: scheme://user:password@host, tgram://123456:ABC.../chat
    re.compile(r"(?P<keep>[a-z][a-z0-9+.-]*://)(?P<secret>[^\s/@]+@)", re.IGNORECASE),
    re.compile(r"(?P<keep>tgram://)(?P<secret>[^\s/]+)", re.IGNORECASE),
    re.compile(r"(?P<keep>/bot)(?P<secret>\d+:[A-Za-z0-9_-]+)"),
    re.compile(r"(?P<keep>\b)(?P<secret>\d{6,12}:[A-Za-z0-9_-]{30,})"),  # a bare Telegram bot token
    re.compile(r"(?P<keep>(?:password|token|secret)[\"']?\s*[=:]\s*[\"']?)(?P<secret>[^\s\"',&]+)", re.IGNORECASE),
    # chat URLs whose path is the credential: apprise schemes (slack://, discord://, ...), webhook hosts
    re.compile(
        r"(?P<keep>\b(?!(?:https?|mailto|redis|rediss|json|xml|form)://)[a-z][a-z0-9+.-]*://)(?P<secret>[^\s\"'<>]+)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?P<keep>(?:hooks\.slack\.com/services|discord(?:app)?\.com/api/webhooks)/)(?P<secret>[^\s\"'<>]+)",
        re.IGNORECASE,
    ),
)
_SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN")
_MIN_SECRET_CHARS = 6
_known_secrets: set[str] = set()


def remember_secrets(environ: Mapping[str, str]) -> None:
    """Mask, from now on, the values of secret NEWSALERT_* variables wherever they appear in a log line."""
    for name, value in environ.items():
        if not name.startswith("NEWSALERT_"):
            continue
        if _SECRET_NAMES.search(name) and len(value) >= _MIN_SECRET_CHARS:
            _known_secrets.add(value)
        password = urlsplit(value).password if name == "NEWSALERT_REDIS_URL" else None
        if password and len(password) >= _MIN_SECRET_CHARS:
            _known_secrets.add(password)


def redact(text: str) -> str:
    """Mask configured secrets and credentials that may sit in URLs or key=value pairs of a log message."""
    for secret in _known_secrets:
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group("keep") + "***" + ("@" if m.group(0).endswith("@") else ""), text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrite every record's message so no credential reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, redacted, and drop the raw arguments."""
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key in CONTEXT_KEYS:
            value = record.__dict__.get(key)
            if isinstance(value, str):
                record.__dict__[key] = redact(value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the shared context keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialise ``record`` as a JSON line."""
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT_KEYS:
            value = record.__dict__.get(key)
            if value is not None:
                line[key] = value
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines with the shared context keys appended as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Format the record and append its context keys."""
        base = super().format(record)
        extra = " ".join(
            f"{key}={record.__dict__[key]}" for key in CONTEXT_KEYS if record.__dict__.get(key) is not None
        )
        return f"{base} {extra}" if extra else base


def setup_logging(level: str = "INFO", fmt: Literal["text", "json"] = "text", service: str = "") -> None:
    """Configure the root logger for one process; safe to call more than once."""
    remember_secrets(os.environ)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if service:
        handler.addFilter(_ServiceFilter(service))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # apprise logs full bot tokens at DEBUG; never let it go below INFO
    logging.getLogger("apprise").setLevel(max(logging.INFO, root.level))
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # FastStream's module logger writes through a coloured handler of its own: send it through ours
    faststream = logging.getLogger("faststream")
    faststream.handlers.clear()
    faststream.propagate = True


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "service"):
            record.service = self.service
        return True
