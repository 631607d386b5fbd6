"""Menus and labels of scraped pages: the quick pre-checks never change what is found."""

from __future__ import annotations

import random

import pytest

from services.classify import boilerplate
from services.classify.boilerplate import menus

PIECES = ["Accueil", "Politique", "Sports", "Monde", "le président a dit", "Afrique de l'Ouest", "", " ", "x"]
MARKS = [" | ", "|", " • ", "·", " › ", " » ", " / ", " - ", ", ", "/"]


def _page(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randrange(1, 6)):
        parts = [rng.choice(PIECES) for _ in range(rng.randrange(1, 7))]
        line = parts[0] + "".join(rng.choice(MARKS) + p for p in parts[1:])
        lines.append(line)
    return "\n".join(lines)


def test_menus_found_with_the_pre_check_equal_menus_found_without(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    pages = [_page(rng) for _ in range(2_000)]
    quick = [menus(page) for page in pages]
    monkeypatch.setattr(boilerplate, "_separator_count", lambda line: 1_000)
    monkeypatch.setattr(boilerplate, "_has_separator", lambda text: True)
    assert [menus(page) for page in pages] == quick
    assert sum(1 for found in quick if found) > 100


def test_a_menu_line_is_found_and_a_quoted_sentence_is_not() -> None:
    text = "Accueil | Politique | Sports\nLe ministre a parlé d’un « accord » avec ses voisins."
    assert menus(text) == [(0, len("Accueil | Politique | Sports"))]
