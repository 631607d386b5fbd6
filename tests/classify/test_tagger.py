"""The tagger's rules, one trap or behaviour per case, and its handling of bad input."""

from __future__ import annotations

import hashlib

import pytest

from services.classify.tagger import tag
from shared.models import Article
from shared.vocabulary import Vocabulary


def article(title: str, text: str = "", lang: str | None = None) -> Article:
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:16]
    return Article(id=digest, title=title, text=text, lang=lang)


def actor_ids(vocabulary: Vocabulary, title: str, text: str = "") -> set[str]:
    return {a.id for a in tag(article(title, text), vocabulary).actors}


def topic_ids(vocabulary: Vocabulary, title: str, text: str = "") -> set[str]:
    return {t.id for t in tag(article(title, text), vocabulary).topics}


@pytest.mark.parametrize(
    ("title", "present", "absent"),
    [
        ("L’AES et la Russie préparent un sommet à Bamako", {"aes", "russia", "mali"}, {"aes-corporation"}),
        ("AES Corporation shares fall as utility cuts solar outlook", {"aes-corporation"}, {"aes"}),
        ("Le partenariat russo-burkinabè se renforce", {"russia", "burkina-faso"}, set()),
        ("Coopération sino-nigérienne dans le pétrole", {"china", "niger"}, {"nigeria"}),
        ("Un commerçant nigérian arrêté à Lomé", {"nigeria", "togo"}, {"niger"}),
        ("Les autorités nigériennes ferment la frontière", {"niger"}, {"nigeria"}),
        ("Pollution in the Niger Delta worsens", set(), {"niger"}),
        ("Crue record du fleuve Niger à Ségou", set(), {"niger"}),
        ("Niger State governor decries banditry", set(), {"niger"}),
        ("La Guinée-Bissau et la Guinée équatoriale au menu", {"guinea-bissau", "equatorial-guinea"}, {"guinea"}),
        ("Jordan Bardella en meeting à Perpignan", set(), {"jordan"}),
        ("Maurice Kamto appelle au boycott", set(), {"mauritius"}),
        ("Un séjour à l’île Maurice", {"mauritius"}, set()),
        ("Bertrand Traoré marque encore", set(), {"ibrahim-traore", "karamoko-jean-marie-traore"}),
        ("Le capitaine Ibrahim Traoré reçoit des chefs coutumiers. Traoré promet", {"ibrahim-traore"}, set()),
        ("Richard Wagner à l’honneur à Bayreuth", set(), {"wagner-group"}),
        ("Les mercenaires de Wagner quittent Bamako", {"wagner-group", "mali"}, set()),
        ("Un documentaire diffusé en français et en anglais", set(), {"france", "united-kingdom"}),
        ("France 24 et RFI suspendus au Burkina", {"burkina-faso"}, {"france"}),
        ("Moscou et Ouagadougou signent un accord", {"russia", "burkina-faso"}, set()),
        ("US envoy meets ECOWAS in Abuja", {"united-states", "ecowas", "nigeria"}, set()),
        ("Let us talk about the UN vote", {"un"}, {"united-states"}),
        ("Un journaliste arrêté", set(), {"un"}),
    ],
)
def test_actor_traps(vocabulary: Vocabulary, title: str, present: set[str], absent: set[str]) -> None:
    found = actor_ids(vocabulary, title)
    assert present <= found
    assert not absent & found


@pytest.mark.parametrize(
    ("title", "text", "present", "absent"),
    [
        ("Sommet de la Cedeao à Abuja", "", {"summit", "diplomacy"}, set()),
        ("Ouverture du sommet de l’Union africaine", "Les chefs d’État sont réunis.", {"summit"}, set()),
        ("Au sommet du classement, le Stade malien", "", set(), {"summit"}),
        ("Au sommet de l’État, la tension monte", "", set(), {"summit"}),
        ("Au sommet du mont Cameroun", "Les alpinistes ont atteint 4 000 mètres d’altitude.", set(), {"summit"}),
        ("Tentative de coup d’État déjouée à Niamey", "", {"coup", "politics"}, set()),
        ("Le coup d’envoi de la CAN est donné", "", set(), {"coup"}),
        ("Tout à coup, la pluie", "C’est un coup dur pour les commerçants.", set(), {"coup"}),
        ("Military coup in Guinea-Bissau as soldiers seize power", "", {"coup"}, set()),
        ("A major coup for the club", "The signing is a coup.", set(), {"coup"}),
        ("Les chefs d’État ont levé les sanctions", "Les sanctions de la Cedeao sont levées.", {"sanctions"}, set()),
    ],
)
def test_topic_traps(vocabulary: Vocabulary, title: str, text: str, present: set[str], absent: set[str]) -> None:
    found = topic_ids(vocabulary, title, text)
    assert present <= found
    assert not absent & found


def test_a_lone_menu_word_makes_no_topic(vocabulary: Vocabulary) -> None:
    text = "Accueil | Politique | Économie | Sport | Culture\nLe marché de Bamako rouvre ses portes.\nCommentaires"
    assert topic_ids(vocabulary, "Bamako : le grand marché rouvre", text) & {"sport", "culture", "politics"} == set()


def test_actors_in_related_links_and_credits_are_ignored(vocabulary: Vocabulary) -> None:
    text = (
        "Le président Tinubu a reçu des gouverneurs.\n"
        "Lire aussi : Au Mali, la junte dissout les partis\nPhoto : AFP/Niamey"
    )
    assert actor_ids(vocabulary, "Abuja : réunion des gouverneurs", text) == {"nigeria", "bola-tinubu"}


def test_mentions_point_at_the_original_text(vocabulary: Vocabulary) -> None:
    item = article("L’AES à Niamey", "Sergueï Lavrov a reçu d’Abdoulaye Diop une lettre de Bamako.")
    tags = tag(item, vocabulary)
    assert tags.actors
    for actor in tags.actors:
        for mention in actor.mentions:
            source = item.title if mention.field == "title" else item.text
            assert source[mention.start : mention.end] == mention.text
    assert {"aes", "niger", "sergei-lavrov", "abdoulaye-diop", "mali"} == {a.id for a in tags.actors}


def test_salience_favours_title_and_repeated_actors(vocabulary: Vocabulary) -> None:
    tags = tag(article("Le Mali et la Russie", "Le Mali, le Mali encore. La Russie. Un mot sur le Togo."), vocabulary)
    salience = {a.id: a.salience for a in tags.actors}
    assert salience["mali"] > salience["russia"] > salience["togo"]
    assert all(0 < s <= 1 for s in salience.values())


def test_a_given_language_is_kept(vocabulary: Vocabulary) -> None:
    assert tag(article("Le Mali et la Russie", lang="fr-FR"), vocabulary).lang == "fr-FR"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01\x02\x03" * 1000,
        "".join(chr(c) for c in range(0x20, 0x3000)),
        "é" * 100_000,
        "Mali " * 400_000,
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace") * 10,
        "ᚠᛇᚻ᛫ᛒᛦᚦ᛫ᚠᚱᚩᚠᚢᚱ᛫ᚠᛁᚱᚪ᛫ᚷᛖᚻᚹᛦᛚᚳᚢᛗ",
    ],
    ids=["empty", "control", "every-char", "accents", "two-megabytes", "replacement", "runes"],
)
def test_bad_input_never_crashes(vocabulary: Vocabulary, text: str) -> None:
    tags = tag(article("x", text), vocabulary)
    assert tags.lang
    assert all(0 <= a.salience <= 1 for a in tags.actors)


def test_unknown_language_is_undetermined(vocabulary: Vocabulary) -> None:
    assert tag(article("ᚠᛇᚻ ᛒᛦᚦ ᚠᚱᚩᚠᚢᚱ"), vocabulary).lang == "und"


@pytest.mark.parametrize(
    ("title", "present", "absent"),
    [
        ("Thanksgiving: how to roast a turkey and serve it on fine china", set(), {"turkey", "china"}),
        ("Turkey and China sign a trade deal", {"turkey", "china"}, set()),
        ("UN PRÉSIDENT POUR LE MALI", {"mali"}, {"un"}),
        ("LE MALI ET LA RUSSIE SIGNENT UN ACCORD", {"mali", "russia"}, {"un"}),
        ("Voters in Georgia head to the polls in Atlanta", set(), {"georgia"}),
        ("Georgia: Georgian Dream wins in Tbilisi", {"georgia"}, set()),
        ("les volontaires pour la défense de la patrie attaqués", {"vdp"}, set()),
        ("روسيا تعزز وجودها في مالي", {"russia", "mali"}, set()),  # a script without case has no case rule
    ],
)
def test_case_rules(vocabulary: Vocabulary, title: str, present: set[str], absent: set[str]) -> None:
    found = actor_ids(vocabulary, title)
    assert present <= found
    assert not absent & found


def test_a_name_used_in_another_sense_keeps_that_sense(vocabulary: Vocabulary) -> None:
    text = "Le Bolchoï de Moscou reprend Richard Wagner. Cette production de Wagner a séduit la critique russe."
    assert "wagner-group" not in actor_ids(vocabulary, "Opéra : Wagner à Moscou", text)
    text = "Les mercenaires du groupe Wagner ont quitté Bamako. Wagner laisse la place à l’Africa Corps."
    assert "wagner-group" in actor_ids(vocabulary, "Mali : Wagner s’en va", text)


@pytest.mark.parametrize(
    ("title", "text", "present", "absent"),
    [
        (
            "US CPI rises 0.3% as inflation cools",
            "Core CPI was in line with forecasts.",
            set(),
            {"international-criminal-court"},
        ),
        (
            "ICC World Cup: India beat Pakistan",
            "The ICC confirmed the schedule.",
            set(),
            {"international-criminal-court"},
        ),
        (
            "La CPI émet un mandat d’arrêt",
            "Les juges de la CPI, à La Haye, visent des crimes de guerre.",
            {"international-criminal-court"},
            set(),
        ),
    ],
)
def test_acronyms_shared_with_other_fields_need_context(
    vocabulary: Vocabulary, title: str, text: str, present: set[str], absent: set[str]
) -> None:
    found = actor_ids(vocabulary, title, text)
    assert present <= found
    assert not absent & found
