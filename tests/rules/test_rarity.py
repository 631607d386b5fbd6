"""Key rarity: how the index weighs keys and key sets to pick the rarest required set of a rule."""

from __future__ import annotations

import pytest

from services.notify.rules.query import Compiler
from services.notify.rules.rarity import BROAD_KEY_WEIGHT, Weigh, key_weight


@pytest.mark.parametrize(
    ("key", "rules_using", "expected"),
    [
        ("a:russia", 10, 10.0),
        ("t:summit", 3, 3.0),
        ("k:fr:pluie", 10, 5.0),
        ("k:en:pluie", 10, 5.0),
        ("k:*:pluies", 10, 0.0),
        ("l:en", 2, BROAD_KEY_WEIGHT + 2),
    ],
)
def test_a_key_weighs_the_rules_using_it(key: str, rules_using: int, expected: float) -> None:
    assert key_weight(key, rules_using) == expected


def test_a_key_set_weighs_the_sum_of_its_keys_and_follows_counts(compiler: Compiler) -> None:
    queries = [compiler.compile(q) for q in ("actor:mali topic:coup", "actor:mali", "(actor:mali OR topic:coup)")]
    weigh = Weigh.of(queries)
    both = frozenset({"a:mali", "t:coup"})
    assert weigh(frozenset({"a:mali"})) == 3.0
    assert weigh(both) == 5.0
    weigh.count(["t:coup", "a:niger"])
    assert weigh(both) == 6.0
    assert weigh(frozenset({"a:niger"})) == 1.0
