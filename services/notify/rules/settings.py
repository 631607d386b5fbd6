"""Settings of the watch rules: how long tagged articles are kept for backtests."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RulesSettings(BaseSettings):
    """``NEWSALERT_ARCHIVE_RETENTION_DAYS`` and how rule changes are followed."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    archive_retention_days: float = Field(default=30.0, gt=0, le=366)
    rules_follow_block_ms: int = Field(default=1_000, ge=10, le=10_000)
    rules_resync_s: float = Field(default=300.0, ge=1)
