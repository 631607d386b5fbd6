"""`newsalert tag`: JSON lines in, one tagged JSON line per article out, bad lines reported and skipped."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from services.classify.commands import register, run
from tests.classify.reports import NIAMEY_SUMMIT


def line(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def write_lines(tmp_path: Path, lines: list[str | bytes]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
    return path


def test_articles_are_tagged_and_near_duplicates_share_a_story(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = NIAMEY_SUMMIT[0], NIAMEY_SUMMIT[1]
    path = write_lines(
        tmp_path,
        [
            line(id=first.id, title=first.title, text=first.text),
            line(title=second.title, text=second.text, url="https://example.org/a"),
            line(title="AES Corporation raises its solar forecast", text="The utility's shares rose on Wall Street."),
        ],
    )
    assert run(argparse.Namespace(files=[str(path)])) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    assert out[0]["lang"] == "fr"
    assert {"aes", "niger", "abdourahamane-tiani"} <= {a["id"] for a in out[0]["actors"]}
    assert "summit" in {t["id"] for t in out[0]["topics"]}
    assert out[1]["story"] == out[0]["story"] == first.id
    assert out[2]["story"] == out[2]["id"] != first.id
    assert [a["id"] for a in out[2]["actors"]] == ["aes-corporation"]
    mention = out[0]["actors"][0]["mentions"][0]
    source = first.title if mention["field"] == "title" else first.text
    assert source[mention["start"] : mention["end"]] == mention["text"]


def test_bad_lines_are_reported_with_their_number_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = line(title="Trop long", text="Mali " * 1_100_000)
    path = write_lines(
        tmp_path,
        [
            b"\xff\xfe\x00garbage",
            "{not json",
            "[1, 2]",
            line(title="", text=" "),
            huge,
            line(title="Le Mali et la Russie", text="Bamako et Moscou renforcent leur coopération."),
        ],
    )
    assert run(argparse.Namespace(files=[str(path)])) == 1
    captured = capsys.readouterr()
    out = [json.loads(x) for x in captured.out.splitlines()]
    assert [{a["id"] for a in o["actors"]} for o in out] == [{"mali", "russia"}]
    errors = captured.err.splitlines()
    assert [e.split(":")[2] for e in errors] == ["1", "2", "3", "4", "5"]
    assert "text" in errors[4]


def test_a_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(argparse.Namespace(files=[str(tmp_path / "none.jsonl")])) == 2
    assert "none.jsonl" in capsys.readouterr().err


def test_a_bad_vocabulary_setting_stops_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shared.vocabulary import default_vocabulary

    bad = tmp_path / "bad.yaml"
    bad.write_text("entries:\n  - {id: x, name: X, kind: planet}\n", encoding="utf-8")
    monkeypatch.setenv("NEWSALERT_VOCABULARY_FILES", str(bad))
    default_vocabulary.cache_clear()
    try:
        assert run(argparse.Namespace(files=[])) == 2
    finally:
        default_vocabulary.cache_clear()
    assert "bad.yaml" in capsys.readouterr().err


def test_register_adds_the_tag_command() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["tag", "a.jsonl", "b.jsonl"])
    assert args.files == ["a.jsonl", "b.jsonl"]
    assert args.func is run
