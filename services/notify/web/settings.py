"""Typed settings of the web page and API access, read from ``NEWSALERT_*`` in the app factory."""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ConfigError

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
MIN_TOKEN_CHARS = 16


class WebSettings(BaseSettings):
    """Who may use the page and the API: ``NEWSALERT_API_TOKEN`` (a bearer token) or nobody but local users."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    api_token: SecretStr | None = None
    session_max_age_s: int = Field(default=12 * 3_600, ge=60)
    articles_shown: int = Field(default=100, ge=1, le=1_000)
    backtest_articles: int = Field(default=5_000, ge=10, le=100_000)
    preview_budget_s: float = Field(default=3.0, gt=0)
    """CPU time a preview may spend; it then reports how many articles it scanned."""

    @property
    def token(self) -> str | None:
        """The API token, or None when the page is open (a blank token counts as none)."""
        value = self.api_token.get_secret_value() if self.api_token is not None else ""
        return value if value.strip() else None


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` (an address or a name) only listens on this machine."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, dev_mode: bool) -> None:
    """Refuse an open page and API on anything but loopback, and a guessable token, unless in dev mode."""
    if token is not None and len(token) < MIN_TOKEN_CHARS and not dev_mode:
        raise ConfigError(
            f"NEWSALERT_API_TOKEN is shorter than {MIN_TOKEN_CHARS} characters: "
            "use a long random value (for example `openssl rand -hex 24`)"
        )
    if token is None and not dev_mode and not is_loopback(host):
        raise ConfigError(
            f"the HTTP server binds {host}, which is not loopback, and NEWSALERT_API_TOKEN is not set: "
            "set a token (the page and API will ask for it), bind 127.0.0.1, or set NEWSALERT_DEV_MODE=1"
        )
