"""How rare an index key is, estimated from how many rules use it: popular terms are popular in articles too."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import attrgetter

from services.notify.rules.tree import Query

BROAD_KEY_WEIGHT = 1_000_000.0
"""Weight of a language key: half of all articles show ``l:en``, no rule should hang on it."""


def key_weight(key: str, rules_using: int) -> float:
    """Weigh one key by the rules using it; a keyword's per-language keys share its weight."""
    if key.startswith("l:"):
        return BROAD_KEY_WEIGHT + rules_using
    if key.startswith("k:"):
        return rules_using / 2 if not key.startswith("k:*:") else 0.0
    return float(rules_using)


class SetWeights(dict[frozenset[str], float]):
    """Weights of key sets, each the sum of its keys' weights, computed on first look-up.

    It holds the key weights and counts themselves, not the :class:`Weigh` (no reference cycle
    to outlive a frozen garbage collector).
    """

    def __init__(self, weights: dict[str, float], rules_using: Counter[str]) -> None:
        super().__init__()
        self.weights = weights
        self.rules_using = rules_using

    def __missing__(self, keys: frozenset[str]) -> float:
        weights = self.weights
        try:
            weight = sum(map(weights.__getitem__, keys))
        except KeyError:  # a key not weighed since counts last changed
            for key in keys - weights.keys():
                weights[key] = key_weight(key, self.rules_using[key])
            weight = sum(map(weights.__getitem__, keys))
        self[keys] = weight
        return weight


class Weigh:
    """Estimate how many articles show any key of a set, from how many rules use each key."""

    def __init__(self) -> None:
        self.rules_using: Counter[str] = Counter()
        self.weights: dict[str, float] = {}
        """Weights of the keys weighed since counts last changed."""
        self.known = SetWeights(self.weights, self.rules_using)
        """Weights of the key sets weighed since counts last changed (``known[keys]`` weighs on demand)."""

    @classmethod
    def of(cls, queries: Sequence[Query]) -> Weigh:
        """Count the keys of every rule at once."""
        weigh = cls()
        # terms are shared between rules: count each distinct key set, then spread; a key twice
        # in one rule counts twice (weights are estimates)
        sets = Counter(map(attrgetter("keyset"), chain.from_iterable(map(attrgetter("terms"), queries))))
        rules_using = weigh.rules_using
        for keys, n in sets.items():
            for key in keys:
                rules_using[key] += n
        weigh.weights.update({key: key_weight(key, n) for key, n in rules_using.items()})
        return weigh

    def __call__(self, keys: frozenset[str]) -> float:
        """Weigh a key set: the sum of its keys' weights (remembered until counts change)."""
        return self.known[keys]

    def count(self, keys: Iterable[str], by: int = 1) -> None:
        """Count (or, with ``by=-1``, uncount) one rule's keys."""
        rules_using = self.rules_using
        for key in keys:
            rules_using[key] += by
        self.known.clear()
        self.weights.clear()
