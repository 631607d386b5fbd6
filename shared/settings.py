"""Settings every service shares, read from ``NEWSALERT_*`` environment variables.

Settings are built in app factories and commands, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """What every process needs: where Redis is, how to log, how stages consume."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    redis_url: str | None = None
    data_dir: Path = Field(default_factory=lambda: Path.home() / ".local" / "share" / "newsalert")
    embedded_port: int = Field(default=6390, ge=1, le=65_535)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65_535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    dev_mode: bool = False

    batch_size: int = Field(default=32, ge=1, le=1_000)
    claim_idle_ms: int = Field(default=30_000, ge=100)
    max_deliveries: int = Field(default=5, ge=1, le=100)
    graceful_timeout_s: float = Field(default=10.0, gt=0)
    redis_wait_s: float = Field(default=60.0, ge=0)

    @property
    def effective_redis_url(self) -> str:
        """The configured Redis URL, else the embedded server's loopback address."""
        return self.redis_url or f"redis://127.0.0.1:{self.embedded_port}"
