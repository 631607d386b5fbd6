"""Article.digest: the content part of the idempotency keys of classify and notify, and ingest's edit mark."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.models import Article

BASE = Article(id="00000000000000aa", title="Sommet de l’AES", text="Les trois chefs d’État\n\nse réunissent.")


@pytest.mark.parametrize(
    "changes",
    [
        {"fetched": datetime(2020, 1, 1, tzinfo=UTC)},
        {"published": datetime(2021, 6, 1, tzinfo=UTC)},
        {"url": "https://example.org/aes"},
        {"source": "other outlet"},
        {"feed": "sahel"},
        {"lang": "fr"},
    ],
)
def test_digest_ignores_everything_but_title_and_text(changes: dict[str, object]) -> None:
    assert BASE.model_copy(update=changes).digest() == BASE.digest()


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Sommet de l’AES à Niamey", BASE.text),
        (BASE.title, "Les trois chefs d’État\n\nse sont réunis."),
        (BASE.title, BASE.text + " "),
        ("Sommet de l’AES Les trois", "chefs d’État\n\nse réunissent."),
    ],
)
def test_digest_changes_with_any_edit_of_title_or_text(title: str, text: str) -> None:
    assert Article(id=BASE.id, title=title, text=text).digest() != BASE.digest()


def test_digest_is_32_hex_digits() -> None:
    digest = BASE.digest()
    assert len(digest) == 32
    assert int(digest, 16) >= 0
