"""Quality of the tagger on the labelled test articles: precision, recall, F1 and traps."""

from __future__ import annotations

import pytest

from services.classify.tagger import Tags, tag
from shared.vocabulary import Vocabulary
from tests.classify.corpus import Labelled, Score, differences, load

CORPUS = load("fr") + load("en") + load("holdout") + load("holdout2")


@pytest.fixture(scope="module")
def tagged(vocabulary: Vocabulary) -> list[tuple[Labelled, Tags]]:
    return [(item, tag(item.article, vocabulary)) for item in CORPUS]


def test_corpus_is_large_and_bilingual() -> None:
    assert len(CORPUS) >= 60
    assert len(load("fr")) >= 25
    assert len(load("en")) >= 25


def test_actor_precision_and_recall_reach_ninety_percent(tagged: list[tuple[Labelled, Tags]]) -> None:
    score = Score()
    for item, tags in tagged:
        score.add(item.actors, frozenset(a.id for a in tags.actors))
    report = "\n".join(differences(i, t) for i, t in tagged if frozenset(a.id for a in t.actors) != i.actors)
    assert score.precision >= 0.9, report
    assert score.recall >= 0.9, report


def test_topic_f1_reaches_eighty_percent(tagged: list[tuple[Labelled, Tags]]) -> None:
    score = Score()
    for item, tags in tagged:
        score.add(item.topics, frozenset(t.id for t in tags.topics))
    report = "\n".join(differences(i, t) for i, t in tagged if frozenset(x.id for x in t.topics) != i.topics)
    assert score.f1 >= 0.8, report


def test_no_trap_is_ever_tagged(tagged: list[tuple[Labelled, Tags]]) -> None:
    sprung = {
        item.article.title: sorted(item.traps & {x.id for x in (*tags.actors, *tags.topics)})
        for item, tags in tagged
        if item.traps & {x.id for x in (*tags.actors, *tags.topics)}
    }
    assert sprung == {}


def test_every_trap_kind_is_covered() -> None:
    traps = set().union(*(item.traps for item in CORPUS))
    assert {"aes-corporation", "aes", "niger", "summit", "coup", "ibrahim-traore", "wagner-group"} <= traps
    assert {"reporters-without-borders", "rapid-support-forces", "jordan", "mauritius", "france"} <= traps
    assert {"sport", "culture"} <= traps  # menu words around bodies


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_language_is_detected_on_every_article(lang: str, tagged: list[tuple[Labelled, Tags]]) -> None:
    wanted = {item.article.id for item in load(lang)}
    wrong = [item.article.title for item, tags in tagged if item.article.id in wanted and tags.lang != lang]
    assert wrong == []
