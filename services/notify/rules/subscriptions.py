"""A subscription: who wants to hear about which query, on which channels, and when.

The Redis store (``SubscriptionStore``: get, get_by_name, all, save, remove,
set_enabled, change feed) lives in :mod:`services.notify.rules.store`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from shared.models import utc_now

MAX_NAME_CHARS = 128
MAX_TARGETS = 16
CHANNEL_ID_HEX = 16


def channel_id(target: str) -> str:
    """Name a notification target by a short digest, so its secrets never travel."""
    return hashlib.sha256(target.encode()).hexdigest()[:CHANNEL_ID_HEX]


class Subscription(BaseModel):
    """A saved watch rule and where its alerts go.

    Targets are ``mailto:`` addresses or apprise URLs; they hold tokens, so they are
    kept as secrets and printed as ``**********``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    query: str = Field(min_length=1)
    targets: tuple[SecretStr, ...] = Field(min_length=1, max_length=MAX_TARGETS)
    enabled: bool = True
    delivery: Literal["instant", "digest"] = "instant"
    digest_every: Literal["hourly", "daily"] = "daily"
    digest_at: time = time(8, 0)
    timezone: str = "UTC"
    quiet_hours: tuple[time, time] | None = None
    created: datetime = Field(default_factory=utc_now)
    updated: datetime = Field(default_factory=utc_now)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Europe/Paris)") from e
        return value

    @field_validator("name")
    @classmethod
    def _visible_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be blank")
        return value.strip()

    def channels(self) -> dict[str, str]:
        """Map each channel id to its target URL (the only place the secret is revealed)."""
        return {channel_id(t.get_secret_value()): t.get_secret_value() for t in self.targets}


def dump(sub: Subscription) -> bytes:
    """Serialise a subscription for storage, revealing its targets (Redis is trusted)."""
    data = sub.model_dump(mode="json")
    data["targets"] = [t.get_secret_value() for t in sub.targets]
    return json.dumps(data, separators=(",", ":")).encode()


def load(raw: bytes | str) -> Subscription:
    """Parse a stored subscription."""
    return Subscription.model_validate_json(raw)


def new_id() -> str:
    """Return a fresh, URL-safe subscription id."""
    return secrets.token_hex(8)
