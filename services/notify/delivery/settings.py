"""Typed delivery settings, read from ``NEWSALERT_*`` environment variables in app factories."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400}
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def parse_duration(value: object) -> object:
    """Read ``90``, ``90s``, ``15m``, ``72h`` or ``3d`` as a timedelta; leave other values to pydantic."""
    if isinstance(value, str) and (m := _DURATION.match(value)):
        return timedelta(seconds=float(m[1]) * _UNIT_S[m[2]])
    return value


class DeliverySettings(BaseSettings):
    """Where and how alerts go out: SMTP relay, chat API, public URL, freshness, retries, budgets."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    smtp_host: str = "127.0.0.1"
    smtp_port: int | None = Field(default=None, ge=1, le=65_535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "newsalert@localhost"
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_s: float = Field(default=20.0, gt=0)
    smtp_idle_close_s: float = Field(default=30.0, gt=0)
    smtp_cafile: str | None = None

    telegram_api_url: str | None = None
    push_timeout_s: float = Field(default=20.0, gt=0)
    allow_private_targets: bool = False

    public_url: str | None = None
    unsubscribe_secret: SecretStr | None = None

    max_alert_age: timedelta = timedelta(hours=72)

    retry_base_s: float = Field(default=5.0, gt=0)
    retry_cap_s: float = Field(default=1_800.0, gt=0)
    retry_max_attempts: int = Field(default=8, ge=1, le=100)
    retry_max_age_s: float = Field(default=86_400.0, gt=0)

    chat_per_second: int = Field(default=1, ge=1)
    chat_per_minute: int = Field(default=20, ge=1)

    poll_interval_s: float = Field(default=1.0, gt=0)
    lease_s: float = Field(default=120.0, gt=0)
    max_parallel_sends: int = Field(default=16, ge=1, le=1_000)
    recent_alerts_kept: int = Field(default=10_000, ge=10)
    record_ttl_s: int = Field(default=30 * 86_400, ge=3_600)

    @field_validator("max_alert_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value)

    @field_validator("telegram_api_url", "public_url")
    @classmethod
    def _http_base(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("must be an http or https URL")
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> DeliverySettings:
        if self.lease_s <= max(self.smtp_timeout_s, self.push_timeout_s) + 5:
            raise ValueError("lease_s must exceed the SMTP and push timeouts (plus 5 s), or a slow send runs twice")
        return self

    @property
    def effective_smtp_port(self) -> int:
        """The configured port, else the usual one for the security mode."""
        return self.smtp_port or _DEFAULT_PORTS[self.smtp_security]
