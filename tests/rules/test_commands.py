"""`newsalert match` offline and `newsalert rules ...` on a real Valkey, through the CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from services.cli import main
from services.notify.rules.archive import Archive
from shared.vocabulary import Vocabulary
from tests.rules.articles import lavrov_in_niamey, locusts_in_chad

ARTICLES = [
    {
        "title": "Sergueï Lavrov reçu à Niamey avant le sommet de l'AES",
        "text": "Le chef de la diplomatie russe a rencontré les ministres de l'Alliance des États du Sahel. "
        "Le sommet doit aborder la sécurité régionale.",
        "lang": "fr",
    },
    {
        "title": "Locust swarms threaten harvests in Chad",
        "text": "Farmers in Chad said the swarms arrived after heavy rains.",
        "lang": "en",
    },
]


@pytest.fixture
def articles_file(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES) + "\n", encoding="utf-8")
    return path


def test_match_prints_one_line_per_article_with_the_explanation(
    articles_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["match", "AES + Russia summit", str(articles_file)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["matched"] for line in lines] == [True, False]
    why = {ev["ref"]: ev for ev in lines[0]["explanation"]}
    assert why["russia"]["held"]
    assert why["summit"]["mentions"][0]["text"] == "sommet"
    assert set(lines[0]) == {"id", "matched", "explanation"}


def test_match_accepts_tagged_articles_too(
    tmp_path: Path, vocabulary: Vocabulary, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tagged.jsonl"
    path.write_text(lavrov_in_niamey(vocabulary).model_dump_json() + "\n", encoding="utf-8")
    assert main(["match", "Lavrov", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["matched"] is True


def test_match_with_a_rules_file_prints_the_matching_line_numbers(
    tmp_path: Path, articles_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("AES + Russia summit\n# a comment\n\nChad word:harvest\nword:locust OR Mali\n", encoding="utf-8")
    assert main(["match", "--rules", str(rules), str(articles_file)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["matched"] for line in lines] == [[1], [4, 5]]


@pytest.mark.parametrize("argv", [["match", "AES AND"], ["match", "--rules", "RULES"]])
def test_a_bad_query_exits_2_with_the_message_and_nothing_on_stdout(
    tmp_path: Path, articles_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("Niger\n(Mali\n", encoding="utf-8")
    argv = [str(rules) if a == "RULES" else a for a in argv]
    assert main([*argv, str(articles_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "column" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_a_bad_article_line_is_reported_and_the_others_still_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text("not json\n" + json.dumps(ARTICLES[1]) + "\n", encoding="utf-8")
    assert main(["match", "Chad", str(path)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["matched"] is True
    assert "mixed.jsonl:1" in captured.err


async def test_rules_add_list_test_remove(
    redis: aioredis.Redis,
    redis_url: str,
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    monkeypatch.setenv("NEWSALERT_REDIS_URL", redis_url)
    archive = Archive(redis)
    await archive.add(lavrov_in_niamey(vocabulary))
    await archive.add(locusts_in_chad(vocabulary))
    token = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890"

    def cli(*argv: str) -> int:
        return main(list(argv))

    add = ["rules", "add", "--name", "aes-russia", "--query", "AES + Russia summit"]
    code = await asyncio.to_thread(cli, *add, "--notify", "mailto:desk@example.org", "--notify", token)
    assert code == 0
    rule_id = capsys.readouterr().out.strip()
    assert await asyncio.to_thread(cli, "rules", "list", "--json") == 0
    listed = capsys.readouterr().out
    assert "AAHdq" not in listed
    assert json.loads(listed)[0]["id"] == rule_id

    assert (
        await asyncio.to_thread(cli, "rules", "add", "--name", "x", "--query", "AES +", "--notify", "mailto:a@b.org")
        == 2
    )
    refused = capsys.readouterr()
    assert refused.out == ""
    assert "column 5" in refused.err

    assert await asyncio.to_thread(cli, "rules", "test", "AES + Russia summit", "--since", "1d") == 0
    report = capsys.readouterr().out.splitlines()
    assert report[0].split("  ")[1].strip() == "alert"
    assert "Sergueï Lavrov" in report[0]
    assert report[1].startswith("1 of 2 archived articles matched; 1 alerts")

    assert await asyncio.to_thread(cli, "rules", "remove", "aes-russia") == 0
    assert await asyncio.to_thread(cli, "rules", "remove", rule_id) == 1
