"""An alias several entries share means one of them in a rule, by documented preferences."""

from __future__ import annotations

import pytest

from services.notify.rules.facts import Affiliations, facts_of
from services.notify.rules.matcher import holds
from services.notify.rules.query import Compiler
from services.notify.rules.sense import prefer
from shared.vocabulary import Entry, Vocabulary
from tests.rules.articles import tagged


@pytest.mark.parametrize(
    ("query", "ref", "others"),
    [
        ("AES", "aes", ("aes-corporation",)),
        ("aes", "aes", ("aes-corporation",)),
        ("l'AES", "aes", ("aes-corporation",)),
        ('"AES"', "aes", ("aes-corporation",)),
        ("actor:AES", "aes", ()),
        ("AES Corporation", "aes-corporation", ()),
        ("actor:aes-corporation", "aes-corporation", ()),
        ("RSF", "reporters-without-borders", ("rapid-support-forces",)),
        ("FSR", "rapid-support-forces", ()),
        ("Traoré", "ibrahim-traore", ("karamoko-jean-marie-traore",)),
        ("Traore", "ibrahim-traore", ("karamoko-jean-marie-traore",)),
        ("actor:Traoré", "ibrahim-traore", ("karamoko-jean-marie-traore",)),
        ("Jean-Marie Traoré", "karamoko-jean-marie-traore", ()),
        ("Ouattara", "alassane-ouattara", ("tene-birahima-ouattara",)),
        ("Maïga", "abdoulaye-maiga", ("choguel-maiga",)),
        ("Choguel Maïga", "choguel-maiga", ()),
        ("Diop", "abdoulaye-diop", ("birame-diop",)),
        ("Silva", "ulisses-correia-e-silva", ("luiz-inacio-lula-da-silva",)),
        ("Lula", "luiz-inacio-lula-da-silva", ()),
    ],
)
def test_a_shared_alias_resolves_to_one_entry(
    compiler: Compiler, query: str, ref: str, others: tuple[str, ...]
) -> None:
    (term,) = compiler.compile(query).terms
    assert (term.kind, term.ref, term.others) == ("actor", ref, others)


def shared_aliases(vocabulary: Vocabulary) -> dict[str, list[str]]:
    """Every spelling of the shipped vocabulary that resolves to several entries."""
    found: dict[str, list[str]] = {}
    for entry in vocabulary.entries.values():
        local = [alias for forms in entry.local.values() for alias in forms]
        for spelling in (entry.name, *entry.aliases, *entry.demonyms, *entry.weak, *local):
            ids = sorted({e.id for e in vocabulary.resolve(spelling)})
            if len(ids) > 1:
                found[spelling] = ids
    return found


def test_every_shared_alias_of_the_vocabulary_means_one_entry_and_never_a_company_over_an_actor(
    compiler: Compiler, vocabulary: Vocabulary
) -> None:
    shared = shared_aliases(vocabulary)
    assert {"AES", "RSF", "Traoré", "Diop"} <= set(shared)
    for spelling, ids in shared.items():
        (term,) = compiler.compile(f'"{spelling}"').terms
        assert sorted((term.ref, *term.others)) == ids, spelling
        kinds = {vocabulary.entries[i].kind for i in ids}
        if kinds - {"company"}:
            assert vocabulary.entries[term.ref].kind != "company", spelling


def test_aes_russia_summit_never_fires_on_an_aes_corporation_story(compiler: Compiler, vocabulary: Vocabulary) -> None:
    story = tagged(
        vocabulary,
        "AES signs a power deal on the sidelines of the Russia-Africa summit",
        "The US utility AES said its shares rose after a summit meeting with Russian energy officials in Sochi.",
        "en",
        actors={"aes-corporation": "AES", "russia": "Russia"},
        topics={"summit": "summit"},
    )
    facts = facts_of(story, Affiliations(vocabulary))
    assert not holds(compiler.compile("AES + Russia summit").root, facts)
    assert holds(compiler.compile("AES Corporation + Russia summit").root, facts)
    assert holds(compiler.compile("actor:aes-corporation Russia summit").root, facts)


def entry(entry_id: str, kind: str, aliases: tuple[str, ...] = (), weak: tuple[str, ...] = ()) -> Entry:
    return Entry.model_validate({"id": entry_id, "name": entry_id, "kind": kind, "aliases": aliases, "weak": weak})


@pytest.mark.parametrize(
    ("typed", "entries", "chosen"),
    [
        # the case typed decides first: "Orpa" is the party, "ORPA" the company's ticker
        ("ORPA", [entry("orpa-party", "organisation", ("Orpa",)), entry("orpa-inc", "company", ("ORPA",))], "orpa-inc"),
        (
            "Orpa",
            [entry("orpa-party", "organisation", ("Orpa",)), entry("orpa-inc", "company", ("ORPA",))],
            "orpa-party",
        ),
        # then a public actor over a topic over a company, whatever the order of the vocabulary
        ("Kora", [entry("kora-mining", "company", ("Kora",)), entry("kora", "country", ("Kora",))], "kora"),
        ("Kora", [entry("kora-mining", "company", ("Kora",)), entry("kora-talks", "topic", ("Kora",))], "kora-talks"),
        (
            "Kora",
            [entry("kora-talks", "topic", ("Kora",)), entry("kora-front", "armed_group", ("Kora",))],
            "kora-front",
        ),
        # then an alias that stands alone over a weak one
        ("Sako", [entry("ali-sako", "person", weak=("Sako",)), entry("sako", "person", ("Sako",))], "sako"),
        # then the vocabulary's order
        (
            "Sako",
            [entry("ali-sako", "person", weak=("Sako",)), entry("bintou-sako", "person", weak=("Sako",))],
            "ali-sako",
        ),
    ],
)
def test_preferences_in_order(typed: str, entries: list[Entry], chosen: str) -> None:
    order = {e.id: i for i, e in enumerate(entries)}
    found, others = prefer(entries, typed, order)
    assert found.id == chosen
    assert {e.id for e in others} == {e.id for e in entries} - {chosen}
