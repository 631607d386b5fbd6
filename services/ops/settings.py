"""Settings of the operations endpoints, read from ``NEWSALERT_*`` environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class OpsSettings(BaseSettings):
    """Whether ingest and classify serve their probes (notify always serves HTTP)."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    serve_probes: bool = False
    """Serve /health, /ready and /metrics on NEWSALERT_HTTP_HOST:NEWSALERT_HTTP_PORT from ingest and classify.

    Off by default because processes sharing one host (``newsalert up``, tests) would share the
    port; each compose container has its own network namespace and turns it on.
    """
