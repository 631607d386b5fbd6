"""Menus and labels of scraped pages: the quick pre-checks never change what is found."""

from __future__ import annotations

import random
import re

import pytest

from services.classify.boilerplate import Boilerplate, Spans, menus

SEPARATOR = re.compile(r"[|•·›»]| / ")

PIECES = ["Accueil", "Politique", "Sports", "Monde", "le président a dit", "Afrique de l'Ouest", "", " ", "x"]
MARKS = [" | ", "|", " • ", "·", " › ", " » ", " / ", " - ", ", ", "/"]


def _page(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randrange(1, 6)):
        parts = [rng.choice(PIECES) for _ in range(rng.randrange(1, 7))]
        line = parts[0] + "".join(rng.choice(MARKS) + p for p in parts[1:])
        lines.append(line)
    return "\n".join(lines)


def _menus_by_splitting_every_line(text: str) -> list[tuple[int, int]]:
    """What ``menus`` finds, without its quick pre-checks: every line split at every separator."""
    runs: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        closing = min(line.group().count("«"), line.group().count("»"))
        position, run = line.start(), []
        pieces = SEPARATOR.split(line.group())
        if len(pieces) - 1 - closing < 2:
            continue
        for piece in pieces:
            stripped = piece.strip()
            short = 0 < len(stripped) <= 28 and not stripped[0].islower() and len(stripped.split()) <= 3
            if short:
                run.append((position, position + len(piece)))
            else:
                if len(run) >= 3:
                    runs.append((run[0][0], run[-1][1]))
                run = []
            position += len(piece)
            separator = SEPARATOR.match(text, position)
            position = separator.end() if separator else position
        if len(run) >= 3:
            runs.append((run[0][0], run[-1][1]))
    return runs


def test_menus_found_with_the_pre_checks_equal_menus_found_by_splitting_every_line() -> None:
    rng = random.Random(5)
    pages = [_page(rng) for _ in range(2_000)]
    quick = [menus(page) for page in pages]
    assert quick == [_menus_by_splitting_every_line(page) for page in pages]
    assert sum(1 for found in quick if found) > 100


@pytest.mark.parametrize(
    ("ranges", "inside", "outside"),
    [
        ([], [], [0, 5]),
        ([(2, 5)], [2, 4], [1, 5]),
        ([(10, 20), (2, 5)], [2, 10, 19], [5, 9, 20]),
        ([(2, 8), (4, 6)], [2, 6, 7], [8]),  # one range inside another
        ([(2, 5), (5, 9)], [4, 5, 8], [9]),  # touching ranges
    ],
)
def test_spans_hold_the_offsets_of_their_ranges(
    ranges: list[tuple[int, int]], inside: list[int], outside: list[int]
) -> None:
    spans = Spans.union(ranges)
    assert all(offset in spans for offset in inside)
    assert not any(offset in spans for offset in outside)


def test_labels_include_noise_and_noise_excludes_labels() -> None:
    found = Boilerplate(noise=((0, 10),), labels=((20, 30),))
    assert found.is_noise(5)
    assert found.is_label(5)
    assert found.is_label(25)
    assert not found.is_noise(25)
    assert not found.is_label(15)


def test_a_menu_line_is_found_and_a_quoted_sentence_is_not() -> None:
    text = "Accueil | Politique | Sports\nLe ministre a parlé d’un « accord » avec ses voisins."
    assert menus(text) == [(0, len("Accueil | Politique | Sports"))]
