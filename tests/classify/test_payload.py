"""classify's tagged payload: byte for byte what TaggedArticle's own serializer writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench._tagging_articles import ENGLISH, ENGLISH_TITLE, FRENCH, FRENCH_TITLE
from services.classify.payload import tagged_payload
from services.classify.tagger import Tags, tag
from shared.models import Article, TaggedArticle
from tests.classify.corpus import load

ARTICLES = [
    *(item.article for lang in ("fr", "en", "holdout", "holdout2") for item in load(lang)),
    Article(id="00000000000000b1", title=FRENCH_TITLE, text=FRENCH),
    Article(id="00000000000000b2", title=ENGLISH_TITLE, text=ENGLISH, url="https://example.org/a?b=1&c=«2»"),
]
TIMES = [datetime(2026, 11, 27, 12, 30, 5, 123456, tzinfo=UTC), datetime(2026, 11, 27, 12, 30, tzinfo=UTC)]


def model_json(article: Article, tags: Tags, story: str, tagged: datetime) -> bytes:
    """What the stage published before: the model, built and serialised."""
    model = TaggedArticle(
        article=article, lang=tags.lang, actors=tags.actors, topics=tags.topics, story=story, tagged=tagged
    )
    return model.model_dump_json().encode()


@pytest.mark.parametrize("tagged", TIMES, ids=["microseconds", "whole-second"])
def test_every_test_article_is_encoded_as_the_model_writes_it(tagged: datetime) -> None:
    mentions = 0
    for article in ARTICLES:
        tags = tag(article)
        payload = tagged_payload(article, tags, "0" * 32, tagged)
        assert payload.contract is TaggedArticle
        assert payload.json == model_json(article, tags, "0" * 32, tagged), article.title
        mentions += sum(len(a["mentions"]) for a in tags.actor_records)
    assert mentions > 5 * len(ARTICLES)  # the comparison covered real evidence


def test_a_given_language_and_dates_of_the_article_keep_their_form() -> None:
    article = Article(
        id="00000000000000b3",
        title="Sommet de l'AES à Niamey",
        text="Le Mali, le Burkina Faso et le Niger se retrouvent.",
        lang="fr",
        published=datetime(2026, 11, 26, 8, 0, tzinfo=UTC),
        feed="sahel",
    )
    tags = tag(article)
    assert tagged_payload(article, tags, "s", TIMES[0]).json == model_json(article, tags, "s", TIMES[0])


def test_the_payload_is_tagged_now_when_no_time_is_given() -> None:
    article = ARTICLES[0]
    before = datetime.now(UTC)
    decoded = TaggedArticle.model_validate_json(tagged_payload(article, tag(article), "s").json)
    assert before <= decoded.tagged <= datetime.now(UTC)


@given(
    text=st.text(max_size=40),
    start=st.integers(min_value=0, max_value=2**40),
    salience=st.floats(min_value=0.0, max_value=1.0),
    score=st.floats(min_value=0.0, max_value=1.0),
)
def test_any_mention_text_offset_and_score_is_encoded_as_the_model_writes_it(
    text: str, start: int, salience: float, score: float
) -> None:
    mention = {"schema_version": 1, "field": "text", "start": start, "end": start + len(text), "text": text}
    tags = Tags(
        lang="fr",
        actor_records=[
            {
                "schema_version": 1,
                "id": "mali",
                "name": text,
                "kind": "country",
                "wikidata": None,
                "salience": salience,
                "mentions": [mention],  # type: ignore[list-item]
            }
        ],
        topic_records=[{"schema_version": 1, "id": "summit", "iptc": "x", "score": score, "mentions": []}],
    )
    article = Article(id="00000000000000b4", title=f"t {text}", text=text)
    assert tagged_payload(article, tags, text, TIMES[0]).json == model_json(article, tags, text, TIMES[0])
