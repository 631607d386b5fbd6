"""Settings of the ingest service, read from ``NEWSALERT_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

USER_AGENT = "newsalert/0.1 (feed reader; +https://github.com/newsalert/newsalert)"


class IngestSettings(BaseSettings):
    """How ingest fetches: limits, politeness and the operator's allow-list."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    fetch_allow: str = ""
    """Comma-separated hosts or CIDRs that may be fetched although they are not public."""
    user_agent: str = USER_AGENT
    fetch_ca_file: Path | None = None
    """Extra CA bundle (PEM) trusted for https feeds, e.g. a LAN's private CA; public CAs stay trusted."""
    max_body_bytes: int = Field(default=10_000_000, ge=1_000)
    fetch_deadline_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: float = Field(default=10.0, gt=0)
    host_delay_s: float = Field(default=1.0, ge=0)
    max_items_per_feed: int = Field(default=500, ge=1)
    max_text_chars: int = Field(default=200_000, ge=1_000)
    max_page_links: int = Field(default=30, ge=1)
    max_concurrent_polls: int = Field(default=16, ge=1)
    poll_tick_s: float = Field(default=1.0, gt=0)
    max_backoff_s: float = Field(default=6 * 3600.0, gt=0)
    full_text: bool = True
