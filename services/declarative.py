"""Loading feeds and subscriptions from a YAML file (`--config newsalert.yaml`) at start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

from shared.broker import make_client
from shared.errors import ConfigError
from shared.settings import CommonSettings

logger = logging.getLogger(__name__)

KNOWN_KEYS = frozenset({"feeds", "subscriptions"})


def read_config(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Parse the file and check its shape; entries themselves are validated by their stores."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"config {path}: the top level must be a mapping with feeds: and subscriptions:")
    unknown = sorted(set(document) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"config {path}: unknown key(s) {', '.join(unknown)}; known: feeds, subscriptions")
    sections: dict[str, list[dict[str, Any]]] = {}
    for key in KNOWN_KEYS:
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise ConfigError(f"config {path}: {key} must be a list")
        sections[key] = entries
    return sections


async def apply_config(settings: CommonSettings, path: Path, only: str | None = None) -> list[str]:
    """Upsert the file's feeds and subscriptions; return one message per rejected entry."""
    sections = read_config(path)
    errors: list[str] = []
    if only in (None, "ingest") and sections["feeds"]:
        errors += await _apply_feeds(settings, sections["feeds"])
    if only in (None, "notify") and sections["subscriptions"]:
        errors += await _apply_subscriptions(settings, sections["subscriptions"])
    for error in errors:
        logger.error("config %s: %s", path, error)
    return errors


async def _apply_feeds(settings: CommonSettings, entries: list[dict[str, Any]]) -> list[str]:
    from services.ingest.feeds import FeedStore, upsert_feeds

    client = make_client(settings.effective_redis_url)
    try:
        return await upsert_feeds(FeedStore(client), entries)
    finally:
        await client.aclose()


async def _apply_subscriptions(settings: CommonSettings, entries: list[dict[str, Any]]) -> list[str]:
    from services.notify.rules.declarative import upsert_subscriptions
    from services.notify.rules.store import SubscriptionStore

    client = make_client(settings.effective_redis_url)
    try:
        return await upsert_subscriptions(SubscriptionStore(client), entries)
    finally:
        await client.aclose()
