"""`--config newsalert.yaml`: feeds and subscriptions upserted by name; bad entries named, good ones kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

from services.declarative import apply_config, read_config
from services.ingest.feeds import FeedStore
from services.notify.rules.store import SubscriptionStore
from shared.errors import ConfigError
from shared.settings import CommonSettings

CONFIG = """
feeds:
  - {name: aniamey, url: "https://www.aniamey.example/rss", interval_s: 300}
  - {name: too-fast, url: "https://www.maliweb.example/rss", interval_s: 5}
subscriptions:
  - {name: aes-russia, query: "AES + Russia summit", notify: ["mailto:desk@example.org"]}
  - {name: broken, query: "AES + (Russia", notify: ["mailto:desk@example.org"]}
"""


async def test_config_loads_good_entries_and_names_bad_ones(redis: aioredis.Redis, redis_url: str, tmp_path: Path):
    path = tmp_path / "newsalert.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = CommonSettings(redis_url=redis_url)
    errors = await apply_config(settings, path)
    assert len(errors) == 2, errors
    assert "too-fast" in errors[0]
    assert "interval" in errors[0]
    assert "broken" in errors[1]
    assert "column" in errors[1]
    feeds = await FeedStore(redis).all()
    assert [f.name for f, _ in feeds] == ["aniamey"]
    subs = await SubscriptionStore(redis).all()
    assert [s.name for s in subs] == ["aes-russia"]
    # upserted by name: loading again changes nothing and adds nothing
    assert len(await apply_config(settings, path)) == 2
    assert len(await SubscriptionStore(redis).all()) == 1
    assert len(await FeedStore(redis).all()) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list", "top level must be a mapping"),
        ("feeds: {name: x}", "feeds must be a list"),
        ("rules: []", "unknown key(s) rules"),
        ("feeds: [", "cannot read config"),
    ],
)
def test_malformed_config_files_are_refused_with_a_reason(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_config(path)
