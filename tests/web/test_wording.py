"""Interface language and text: both languages complete, the choice made from the request."""

from __future__ import annotations

import pytest

from services.notify.web.wording import _TEXTS, negotiate, texts


@pytest.mark.parametrize(
    ("accept", "chosen", "lang"),
    [
        (None, None, "fr"),
        ("", None, "fr"),
        ("en-GB,en;q=0.9", None, "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", None, "fr"),
        ("de-DE,en;q=0.5,fr;q=0.7", None, "fr"),
        ("de-DE,en;q=0.7,fr;q=0.5", None, "en"),
        ("en;q=0", None, "fr"),
        ("*", None, "fr"),
        ("en;q=bogus,fr", None, "fr"),
        ("en-US", "fr", "fr"),
        ("fr", "en", "en"),
        ("fr", "xx", "fr"),
    ],
)
def test_language_of_a_request(accept: str | None, chosen: str | None, lang: str) -> None:
    assert negotiate(accept, chosen) == lang


def test_every_text_exists_in_both_languages_and_differs_where_words_do() -> None:
    english, french = texts("en"), texts("fr")
    assert english.keys() == french.keys() == _TEXTS.keys()
    assert all(english[k].strip() and french[k].strip() for k in english)
    assert english["editor.save"] == "Save"
    assert french["editor.save"] == "Enregistrer"


def test_placeholders_agree_between_languages() -> None:
    english, french = texts("en"), texts("fr")
    for key in english:
        assert sorted(_fields(english[key])) == sorted(_fields(french[key])), key


def _fields(text: str) -> list[str]:
    return [part.split("}")[0] for part in text.split("{")[1:]]
