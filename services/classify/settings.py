"""Settings of the classify service, read from ``NEWSALERT_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STORY_WINDOW_S = 72 * 3600


class ClassifySettings(BaseSettings):
    """How long a story stays open to near-duplicates (``NEWSALERT_STORY_WINDOW_S``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    story_window_s: float = Field(default=DEFAULT_STORY_WINDOW_S, gt=0, le=90 * 86_400)
