"""Language detection on short news titles, where detectors are weakest."""

from __future__ import annotations

import random
import re

import pytest

from services.classify.language import (
    _ENOUGH_LETTERS,
    MIN_LETTERS,
    SAMPLE_CHARS,
    detect,
    dominant_script,
    primary,
    stop_word_vote,
)
from services.classify.tagger import tag
from shared.models import Article
from shared.vocabulary.folding import flatten
from tests.classify.corpus import load

EXTRA_TITLES = {
    "fr": [
        "Tinubu reçoit Tiani à Abuja",
        "Goïta limoge son Premier ministre",
        "Niamey : les prix flambent",
        "Bamako sous couvre-feu",
        "Le FMI débloque 120 millions",
        "Burkina : Traoré reçoit Lavrov",
        "Accord gazier entre Dakar et Nouakchott",
        "Grève des enseignants au Bénin",
    ],
    "en": [
        "Tinubu meets Tiani in Abuja",
        "Goita sacks his prime minister",
        "Niamey prices soar",
        "Curfew imposed in Bamako",
        "IMF releases $120 million",
        "Niger junta expels French envoy",
        "Gas deal between Dakar and Nouakchott",
        "Teachers strike in Benin",
    ],
}


def test_titles_alone_are_mostly_recognised() -> None:
    cases = [(lang, item.article.title) for lang in ("fr", "en") for item in load(lang)]
    cases += [(lang, title) for lang, titles in EXTRA_TITLES.items() for title in titles]
    right = sum(1 for lang, title in cases if detect(title, "") == lang)
    wrong = [(lang, title, detect(title, "")) for lang, title in cases if detect(title, "") != lang]
    assert right / len(cases) >= 0.85, wrong


def test_title_and_lead_are_always_recognised() -> None:
    for lang in ("fr", "en"):
        for item in load(lang):
            assert detect(item.article.title, item.article.text) == lang


@pytest.mark.parametrize("lang", ["fr", "en", "holdout", "holdout2"])
def test_the_tagger_detects_from_its_flattened_fields_as_from_the_text(lang: str) -> None:
    for item in load(lang):
        article = item.article
        tagged = tag(article).lang
        assert tagged == detect(article.title, article.text), article.title
        # a text cut in the middle of a word at the sample's end, and a title alone
        cut = Article(id=article.id, title=article.title, text="Le sommet " + "x" * (SAMPLE_CHARS - 12) + "ouest sud")
        assert tag(cut).lang == detect(cut.title, cut.text)


def test_other_languages_are_named() -> None:
    assert detect("El presidente de Malí viaja a Moscú", "El gobierno de transición anunció el viaje.") == "es"
    assert detect("Der Präsident von Mali reist nach Moskau", "Die Regierung kündigte die Reise an.") == "de"


@pytest.mark.parametrize(
    ("title", "lang"),
    [
        ("Президент Мали прибыл в Москву на переговоры", "ru"),
        ("رئيس مالي يزور موسكو لإجراء محادثات", "ar"),
        ("马里总统访问莫斯科", "zh"),
        ("Shugaban kasar Nijar ya gana da shugaban Najeriya a Abuja", "ha"),
    ],
)
def test_languages_with_cldr_names_are_detected(title: str, lang: str) -> None:
    assert detect(title, "") == lang


def test_a_script_no_language_uses_is_undetermined() -> None:
    assert detect("ᚠᛇᚻ᛫ᛒᛦᚦ ᚠᚱᚩᚠᚢᚱ ᚠᛁᚱᚪ", "") == "und"


def test_no_words_is_undetermined() -> None:
    assert detect("", "") == "und"
    assert detect("12 345", "!!!") == "und"


def test_primary_subtag() -> None:
    assert primary("fr-FR") == "fr"
    assert primary("EN_gb") == "en"
    assert primary(None) == "und"


def test_letter_threshold_counts_letters_as_the_word_pattern_does() -> None:
    alphabet = ["a", "É", "ß", "م", "ж", "²", "7", "٣", "_", " ", "-", "\u0301", "’", "\n", "!"]
    rng = random.Random(11)
    for _ in range(3_000):
        sample = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        sample = rng.choice(["", "…" * 398]) + sample
        enough = len(re.findall(r"[^\W\d_]", sample[:SAMPLE_CHARS])) >= MIN_LETTERS
        assert (_ENOUGH_LETTERS.search(sample, 0, SAMPLE_CHARS) is not None) == enough, sample


def test_stop_word_vote_decides_on_clear_majorities() -> None:
    assert stop_word_vote(flatten("Le président et les ministres de la région")) == "fr"
    assert stop_word_vote(flatten("The president and the ministers of the region")) == "en"
    assert stop_word_vote(flatten("Burkina Faso Mali Niger")) is None


@pytest.mark.parametrize(
    ("sample", "script"),
    [
        ("Le président nigérien a reçu les ministres à Niamey", "LATIN"),
        ("Ọbasanjọ and Ẹkiti: Yoruba tone marks", "LATIN"),
        ("Москва и Бамако подписали соглашение", "CYRILLIC"),
        ("مالي وروسيا توقعان اتفاقا", "ARABIC"),
        ("Ελλάδα και Μάλι", "GREEK"),
        ("北京和巴马科 Mali", "CJK"),
        ("123 456 — !!", "UNKNOWN"),
        ("", "UNKNOWN"),
    ],
)
def test_dominant_script_names_the_script_most_letters_use(sample: str, script: str) -> None:
    assert dominant_script(sample) == script
