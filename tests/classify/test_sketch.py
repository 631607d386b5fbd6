"""The story sketch keeps its values: a faster sketch must group every article as the one before it did."""

from __future__ import annotations

import hashlib

import pytest

from bench.tagging import articles as bench_articles
from services.classify import sketch as sketch_module
from services.classify.language import STOP_WORDS
from services.classify.sketch import LEAD_WORDS, Sketch, bands, features, packed, signature, sketch
from services.classify.stories import needed_matches
from shared.models import Article
from shared.vocabulary.folding import flatten
from tests.classify.corpus import load
from tests.classify.reports import LAVROV_EN, NIAMEY_SUMMIT, OTHER_NIGER_NEWS

PINNED = "d0be8f3a38ae1e6b867984f8a9ddc00feeb90c50b10ef7549a94a7a17a04cdd9"
"""sha256 of every sketch below as the first (numpy MinHash) version computed it."""


def _everything() -> list[Article]:
    corpus = [item.article for lang in ("fr", "en") for item in load(lang)]
    return [*NIAMEY_SUMMIT, *OTHER_NIGER_NEWS, *LAVROV_EN, *corpus, *bench_articles()]


def _sketch(article: Article) -> str:
    words = features(article)
    sig = signature(words)
    return f"{sorted(words)}|{sig}|{bands(sig)}|{packed(sig).hex()}|{needed_matches(len(words))}"


def test_sketches_of_the_test_articles_are_the_pinned_ones() -> None:
    text = "\n".join(_sketch(item) for item in _everything())
    assert hashlib.sha256(text.encode()).hexdigest() == PINNED


def test_the_sketch_the_store_sends_is_the_signature_packed_and_banded() -> None:
    for item in _everything():
        words = features(item)
        sig = signature(words)
        drawn = sketch(item)
        if not sig:
            assert drawn is None
            continue
        assert drawn == Sketch(word_count=len(words), packed=packed(sig), bands=bands(sig))


def test_a_title_alone_and_a_text_alone_are_both_read() -> None:
    title_only = Article(id="00000000000000aa", title="Attaque à Djibo : 12 morts", text="")
    text_only = Article(id="00000000000000ab", title="", text="Attaque à Djibo : 12 morts")
    assert features(title_only) == features(text_only) == {"attaque", "djibo", "12", "morts"}


def _plain_features(article: Article) -> set[str]:
    """Features as first defined: flatten title and lead, split, keep the first ``LEAD_WORDS`` of the lead."""
    lead = flatten(article.text[: LEAD_WORDS * 12]).split()[:LEAD_WORDS]
    words = {*flatten(article.title).split(), *lead}
    return {w for w in words - STOP_WORDS if len(w) >= 3 or w.isdigit()}


LONG_WORDS = " ".join(f"interdépendance{i}" for i in range(200))
"""Fewer than ``LEAD_WORDS`` words in the first characters read: the whole lead must be read."""
SHORT_WORDS = " ".join(f"mot{i % 50} à l’État" for i in range(200))
TEXTS = [
    "Attaque à Djibo : 12 morts",
    "NIAMEY – L’État “réuni” … œuvre, cœur, façade, naïve ; Ⅻ ½ ²",
    "روسيا ومالي توقعان اتفاقا في باماكو " * 40,
    "東京　会議 mot١٢ 한국어 Δελτίο Новости " * 30,
    "Réunion 🚀 à Niamey 𝔄𝔈𝔖 puis fin " * 40,
    "e\u0301le\u0300ve naïve " * 100,
    "under_score tab\there line\nbreak non\u00a0breaking " * 40,
    LONG_WORDS,
    SHORT_WORDS,
    SHORT_WORDS[:841],
]


@pytest.mark.parametrize("text", TEXTS)
def test_features_are_the_first_lead_words_flattened_in_any_script(text: str) -> None:
    for title in ("", "Sahel : à Niamey, l’AES", "مالي"):
        item = Article(id="00000000000000ac", title=title, text=text)
        assert features(item) == _plain_features(item)
    assert features(Article(id="00000000000000ad", title=text[:200], text="")) == _plain_features(
        Article(id="00000000000000ad", title=text[:200], text="")
    )


def test_sketches_are_the_same_with_the_word_cache_cold_warm_or_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    items = _everything()
    warm = [sketch(item) for item in items]
    monkeypatch.setattr(sketch_module, "_ROWS", {})
    cold = [sketch(item) for item in items]
    every_word = len(sketch_module._ROWS)
    monkeypatch.setattr(sketch_module, "_ROWS", {})
    monkeypatch.setattr(sketch_module, "CACHED_WORDS", 40)
    emptied = [sketch(item) for item in items]
    assert len(sketch_module._ROWS) < every_word / 4
    assert cold == warm
    assert emptied == warm


def test_a_signature_counts_every_word_given_even_stop_words() -> None:
    masks = [
        int.from_bytes(hashlib.blake2b(f"newsalert-minhash-{i}".encode(), digest_size=8).digest(), "big")
        for i in range(64)
    ]
    words = ["les", "de", "niamey", "5"]
    hashes = [int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "big") for w in words]
    assert signature(words) == tuple(min(h ^ m for h in hashes) for m in masks)
    assert signature([]) == ()
