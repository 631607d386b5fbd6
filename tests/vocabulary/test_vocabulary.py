"""The vocabulary: CLDR coverage, aliases, look-ups and affiliations."""

from __future__ import annotations

import pytest
import yaml
from babel import Locale

from shared.vocabulary import Vocabulary
from shared.vocabulary.loader import BUILTIN_FILES

LANGUAGES = ("en", "fr", "es", "pt", "ar", "de")


def _countries_spec() -> dict[str, list[str]]:
    from importlib import resources

    text = (resources.files("shared.vocabulary") / "data" / "countries.yaml").read_text(encoding="utf-8")
    spec: dict[str, list[str]] = yaml.safe_load(text)
    return spec


def test_every_un_member_and_observer_is_a_country(vocabulary: Vocabulary) -> None:
    spec = _countries_spec()
    assert len(spec["members"]) == 193
    assert len(spec["observers"]) == 2
    countries = [e for e in vocabulary.entries.values() if e.kind == "country"]
    assert len(countries) >= 195


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_country_resolves_from_its_cldr_name(vocabulary: Vocabulary, lang: str) -> None:
    spec = _countries_spec()
    names = Locale.parse(lang).territories
    unresolved = [
        (code, names[code])
        for code in (*spec["members"], *spec["observers"])
        if not any(e.kind == "country" for e in vocabulary.resolve(names[code]))
    ]
    assert unresolved == []


def test_there_are_at_least_five_thousand_aliases(vocabulary: Vocabulary) -> None:
    assert vocabulary.alias_count() >= 5_000


@pytest.mark.parametrize(
    ("phrase", "entry_id"),
    [
        ("Moscou", "russia"),
        ("le Kremlin", "russia"),
        ("Russie", "russia"),
        ("Россия", "russia"),
        ("burkinabè", "burkina-faso"),
        ("nigérien", "niger"),
        ("nigérian", "nigeria"),
        ("Nigerian", "nigeria"),
        ("ivoirien", "cote-divoire"),
        ("Côte-d’Ivoire", "cote-divoire"),
        ("CEDEAO", "ecowas"),
        ("Sahel States Alliance", "aes"),
        ("Confédération des États du Sahel", "aes"),
        ("OTAN", "nato"),
        ("GSIM", "jnim"),
        ("EIGS", "islamic-state-sahel"),
        ("Africa Corps", "africa-corps"),
        ("Sergueï Lavrov", "sergei-lavrov"),
        ("Sergey Lavrov", "sergei-lavrov"),
        ("Goita", "assimi-goita"),
        ("Abdourahmane Tiani", "abdourahamane-tiani"),
        ("Poutine", "vladimir-putin"),
        ("sommet", "summit"),
        ("coup d'état", "coup"),
    ],
)
def test_resolve_finds_aliases_in_any_language(vocabulary: Vocabulary, phrase: str, entry_id: str) -> None:
    assert entry_id in [e.id for e in vocabulary.resolve(phrase)]


def test_a_shared_acronym_resolves_to_every_entry(vocabulary: Vocabulary) -> None:
    assert {e.id for e in vocabulary.resolve("AES")} == {"aes", "aes-corporation"}


def test_unknown_phrase_resolves_to_nothing(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("Atlantis") == []
    assert vocabulary.resolve("") == []


def test_affiliates_follow_the_chain(vocabulary: Vocabulary) -> None:
    russia = vocabulary.affiliates("russia")
    assert {"russia", "sergei-lavrov", "africa-corps", "wagner-group", "yevgeny-prigozhin"} <= russia
    assert "mali" not in russia
    assert {"jnim", "katiba-macina", "amadou-koufa", "iyad-ag-ghaly"} <= vocabulary.affiliates("al-qaeda")
    assert vocabulary.affiliates("diplomacy") >= {"diplomacy", "summit", "sanctions"}
    assert vocabulary.affiliates("no-such-id") == frozenset({"no-such-id"})


def test_suggest_names_close_ids(vocabulary: Vocabulary) -> None:
    assert vocabulary.suggest("Rusia")[0] == "russia"
    assert "burkina-faso" in vocabulary.suggest("burkina")
    assert vocabulary.suggest("zzzzzzzz") == []


@pytest.mark.parametrize(
    ("text", "at", "size", "ids"),
    [
        ("Burkina Faso summit", 0, 2, {"burkina-faso"}),
        ("Burkina Faso summit", 2, 1, {"summit"}),
        ("AES + Russia summit", 0, 1, {"aes", "aes-corporation"}),
        ("sommet de la Confédération des États du Sahel", 3, 5, {"aes"}),
        ("rien du tout", 0, 0, set()),
    ],
)
def test_longest_alias_at_segments_rule_text(
    vocabulary: Vocabulary, text: str, at: int, size: int, ids: set[str]
) -> None:
    from shared.vocabulary import tokens

    folded = [t.folded for t in tokens(text)]
    consumed, entries = vocabulary.longest_alias_at(folded, at)
    assert consumed == size
    assert {e.id for e in entries} == ids


def test_ids_are_ascii_slugs_of_english_names(vocabulary: Vocabulary) -> None:
    for entry_id in ("russia", "burkina-faso", "aes", "ecowas", "wagner-group", "sergei-lavrov", "ibrahim-traore"):
        assert entry_id in vocabulary.entries
    assert all(entry_id.isascii() for entry_id in vocabulary.entries)


def test_builtin_files_are_listed() -> None:
    assert BUILTIN_FILES == ("countries.yaml", "organisations.yaml", "people.yaml", "topics.yaml")


def test_acronyms_written_only_in_capitals_are_marked(vocabulary: Vocabulary) -> None:
    assert {("un",), ("us",), ("aes",), ("eu",), ("ue",)} <= vocabulary.acronyms
    assert ("otan",) not in vocabulary.acronyms  # "Otan" is also written in lowercase
    assert ("mali",) not in vocabulary.acronyms
