"""Loading users' vocabulary files: additions, merges, and errors that name file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import ConfigError
from shared.vocabulary import VocabularySettings, load_vocabulary


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_user_file_adds_an_entry_affiliated_to_a_builtin_one(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "mine.yaml",
        "entries:\n  - {id: fama, name: Malian Armed Forces, kind: organisation, affiliations: [mali],"
        " aliases: [FAMa, Forces armées maliennes]}\n",
    )
    vocabulary = load_vocabulary([path])
    assert [e.id for e in vocabulary.resolve("Forces armées maliennes")] == ["fama"]
    assert "fama" in vocabulary.affiliates("mali")


def test_a_user_file_adds_aliases_to_a_builtin_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "more.yaml", "entries:\n  - {id: mali, name: Mali, kind: country, aliases: [Mandé]}\n")
    vocabulary = load_vocabulary([path])
    assert [e.id for e in vocabulary.resolve("Mandé")] == ["mali"]
    assert [e.id for e in vocabulary.resolve("Bamako")] == ["mali"]


def test_json_files_are_read_too(tmp_path: Path) -> None:
    path = write(tmp_path, "x.json", '{"entries": [{"id": "acme", "name": "Acme", "kind": "company"}]}')
    assert "acme" in load_vocabulary([path]).entries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("entries:\n  - {id: Bad Id, name: X, kind: company}\n", ["bad.yaml", "Bad Id", "field id"]),
        ("entries:\n  - {id: acme, name: Acme, kind: planet}\n", ["bad.yaml", "acme", "field kind"]),
        ("entries:\n  - {id: acme, name: Acme, kind: company, wikidata: 42}\n", ["acme", "field wikidata"]),
        ("entries:\n  - {id: acme, name: Acme, kind: company, colour: red}\n", ["acme", "field colour"]),
        (
            "entries:\n  - {id: acme, name: Acme, kind: company, affiliations: [atlantis]}\n",
            ["acme", "affiliations", "atlantis"],
        ),
        ("entries:\n  - {id: mali, name: Mali, kind: company}\n", ["bad.yaml", "mali", "field kind"]),
        ("entries: [\n", ["bad.yaml", "YAML"]),
        ("just a string\n", ["bad.yaml", "entries"]),
    ],
)
def test_invalid_files_name_file_entry_and_field(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_vocabulary([path])
    for part in expected:
        assert part in str(caught.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yaml"):
        load_vocabulary([tmp_path / "nowhere.yaml"])


def test_the_setting_lists_files_separated_by_commas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSALERT_VOCABULARY_FILES", f"{tmp_path / 'a.yaml'}, {tmp_path / 'b.yaml'} ,")
    assert VocabularySettings().paths == (tmp_path / "a.yaml", tmp_path / "b.yaml")
