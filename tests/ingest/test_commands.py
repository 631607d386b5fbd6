"""`newsalert feeds ...` and `newsalert articles` run in-process against the session's Valkey."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from services.cli import main


@pytest.fixture
def cli_env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NEWSALERT_REDIS_URL", redis_url)
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
    return redis_url


def test_feeds_add_list_remove(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feeds", "add", "https://www.actuniger.com/feed", "--name", "ActuNiger", "--interval-s", "600"]) == 0
    added = capsys.readouterr().out
    assert added.startswith("added feed ")
    feed_id = added.split()[2]
    assert main(["feeds", "add", "https://lefaso.net/spip.php?page=backend"]) == 0
    capsys.readouterr()

    assert main(["feeds", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["interval_s"], r["status"]) for r in rows] == [
        ("ActuNiger", 600, "new"),
        ("lefaso.net", 300, "new"),
    ]
    assert main(["feeds", "list"]) == 0
    assert "ActuNiger" in capsys.readouterr().out

    assert main(["feeds", "remove", feed_id]) == 0
    assert main(["feeds", "remove", feed_id]) == 1
    assert "no feed" in capsys.readouterr().err
    assert main(["feeds", "list", "--json"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)] == ["lefaso.net"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feeds", "add", "https://maliweb.net/feed", "--interval-s", "10"], "interval_s"),
        (["feeds", "add", "file:///etc/passwd"], "url"),
        (["articles", "--since", "hier"], "--since"),
    ],
)
def test_bad_input_is_one_readable_line(
    cli_env: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsalert: ")
    assert message in err
    assert "Traceback" not in err


def test_articles_lists_what_came_in(cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    records = [
        {
            "url": "https://www.anp.ne/article/tillaberi-nouvelle-ecole",
            "title": "Tillabéri : une nouvelle école inaugurée",
            "text": "Le gouverneur a inauguré jeudi une école de six classes à Tillabéri.",
            "lang": "fr",
            "published": "2026-11-26T10:00:00Z",
        },
        {
            "url": "https://www.premiumtimesng.com/news/kano-power-plant",
            "title": "Kano solar plant begins supplying the grid",
            "text": "The 10-megawatt plant in Kumbotso started feeding the national grid on Monday.",
            "lang": "en",
        },
    ]
    source = tmp_path / "articles.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    assert main(["publish", str(source)]) == 0
    capsys.readouterr()

    assert main(["articles", "--since", "1h", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert sorted(rows[0]) == ["id", "lang", "published", "source", "text", "title", "url"]
    assert {r["title"] for r in rows} == {r["title"] for r in records}
    assert {r["source"] for r in rows} == {"anp.ne", "premiumtimesng.com"}

    assert main(["articles"]) == 0
    text = capsys.readouterr().out
    assert len(text.splitlines()) == 2
    assert "Kano solar plant" in text


def test_feeds_list_shows_a_failing_source_with_its_reason(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    from services.ingest.feeds import FeedState, feed_key

    assert main(["feeds", "add", "https://hostile.example/laughs.xml", "--name", "laughs"]) == 0
    feed_id = capsys.readouterr().out.split()[2]
    state = FeedState(consecutive_failures=3, last_error="XML entity declarations not allowed")
    client = redis.Redis.from_url(cli_env)
    client.hset(feed_key(feed_id), "state", state.model_dump_json())
    client.close()
    assert main(["feeds", "list"]) == 0
    out = capsys.readouterr().out
    assert "failing" in out
    assert "last error (3x" in out
    assert "XML entity declarations not allowed" in out
