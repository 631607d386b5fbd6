"""The story sketch keeps its values: a faster sketch must group every article as the one before it did."""

from __future__ import annotations

import hashlib

from bench.tagging import articles as bench_articles
from services.classify.sketch import Sketch, bands, features, packed, signature, sketch
from services.classify.stories import needed_matches
from shared.models import Article
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
