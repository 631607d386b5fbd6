"""Lag near the stream cap is reported, by `newsalert status` too, before trimming could drop unread entries."""

from __future__ import annotations

import pytest
import redis

from services.cli import main
from shared import backlog
from shared.streams import ARTICLES, CLASSIFY_GROUP


@pytest.fixture
def sync_redis(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> redis.Redis:
    """An emptied database with the classify group, which `newsalert status` will read."""
    monkeypatch.setenv("NEWSALERT_REDIS_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.xgroup_create(ARTICLES, CLASSIFY_GROUP, id="0", mkstream=True)
    return client


@pytest.mark.parametrize(("unread", "near"), [(5, False), (9, True)])
def test_status_warns_when_lag_nears_the_cap(
    sync_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unread: int,
    near: bool,
):
    monkeypatch.setattr(backlog, "STREAM_MAXLEN", 10)
    for n in range(unread):
        sync_redis.xadd(ARTICLES, {b"__data__": f"entry {n}".encode()})
    assert main(["status"]) == 0
    line = next(row for row in capsys.readouterr().out.splitlines() if row.startswith(ARTICLES))
    assert line.split()[4] == str(unread)  # the lag column
    assert ("lag near the stream cap" in line) is near
    sync_redis.close()
