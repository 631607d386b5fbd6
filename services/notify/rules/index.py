"""The rule index: which rules an article could match, found without evaluating the others.

Every rule is posted under the keys of one required term, the rarest it has (its
*primary* keys), together with a second required term (its *second* key set). An
article looks up the postings of each key it shows, keeps the rules whose second set
it also shows, and only those candidates are evaluated. Rarity is estimated by how
many rules use a key: popular terms are popular in articles too.

A keyword has one key per stemming (``k:en:``, ``k:fr:``, ``k:*:``) and an article shows
keyword keys of its own stemming only, so a keyword key is never paired with another
stemming's key: those postings could never be reached.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from services.notify.rules.facts import Facts
from services.notify.rules.matcher import holds
from services.notify.rules.query import And, Node, Not, Or, Query, Term
from services.notify.rules.tree import keyset_of

BROAD_KEY_WEIGHT = 1_000_000.0
"""Weight of a language key: half of all articles show ``l:en``, no rule should hang on it."""
ANY: frozenset[str] = frozenset()
"""The second set of a rule with a single required term: nothing more to check."""
ALWAYS = ""
"""The second-level key under which rules without a second term are posted."""


@dataclass(slots=True)
class Plan:
    """A rule flattened to key sets: each ``required`` set meets the article's keys, ``forbidden`` none."""

    required: tuple[frozenset[str], ...]
    forbidden: frozenset[str]

    def holds(self, keys: frozenset[str]) -> bool:
        """Evaluate the flattened rule on an article's keys."""
        return keys.isdisjoint(self.forbidden) and all(not keys.isdisjoint(c) for c in self.required)

    def rest_holds(self, keys: frozenset[str]) -> bool:
        """Evaluate what the index did not already check: required sets past the second, exclusions."""
        if self.forbidden and not keys.isdisjoint(self.forbidden):
            return False
        return all(not keys.isdisjoint(c) for c in self.required[2:]) if len(self.required) > 2 else True


def plan(node: Node) -> Plan | None:
    """Flatten an AND of (ORs of) key terms and their negations; None when a rule needs its tree."""
    required: list[frozenset[str]] = []
    forbidden: frozenset[str] = frozenset()
    for child in node.children if type(node) is And else (node,):
        negated = type(child) is Not
        keys = keyset_of(child.child if negated else child)  # type: ignore[union-attr]
        if keys is None:
            return None
        if negated:
            forbidden |= keys
        else:
            required.append(keys)
    return Plan(tuple(required), forbidden) if required else None


def cover(node: Node, weigh: Weigh) -> tuple[float, frozenset[str]] | None:
    """Pick keys, one of which every article matching ``node`` shows, cheapest by ``weigh``.

    Returns None for a part that can hold by negation alone (it has no cover).
    """
    if isinstance(node, Term):
        return weigh(node.keyset), node.keyset
    if isinstance(node, Not):
        return None
    covers = [cover(child, weigh) for child in node.children]
    if isinstance(node, Or):
        if any(c is None for c in covers):
            return None
        picked = [c for c in covers if c is not None]
        return sum(c[0] for c in picked), frozenset().union(*(c[1] for c in picked))
    found = [c for c in covers if c is not None]
    return min(found, key=lambda c: c[0]) if found else None


def key_weight(key: str, rules_using: int) -> float:
    """Weigh one key by the rules using it; a keyword's per-language keys share its weight."""
    if key.startswith("l:"):
        return BROAD_KEY_WEIGHT + rules_using
    if key.startswith("k:"):
        return rules_using / 2 if not key.startswith("k:*:") else 0.0
    return float(rules_using)


def stemming_fits(keys: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Split a second key set by what a primary key allows beside it in one article.

    ``""`` (a primary key that is no keyword): every key. ``"k:en"`` (a keyword key of that
    stemming): the keys that are no keywords and the keyword keys of that stemming. ``"k"``:
    the keys that are no keywords (for a stemming no key of the set has).
    """
    others = [k for k in keys if k[0] != "k"]
    fits: dict[str, tuple[str, ...]] = {"": tuple(keys), "k": tuple(others)}
    for key in keys:
        if key[0] == "k":
            stemming = key[: key.find(":", 2)]
            fits[stemming] = (*fits.get(stemming, others), key)
    return fits


class Weigh:
    """Estimate how many articles show any key of a set, from how many rules use each key."""

    def __init__(self) -> None:
        self.rules_using: Counter[str] = Counter()
        self.known: dict[frozenset[str], float] = {}
        """Weights of the key sets weighed since counts last changed."""
        self.weights: dict[str, float] = {}
        """Weights of the keys weighed since counts last changed."""

    def __call__(self, keys: frozenset[str]) -> float:
        """Weigh a key set: the sum of its keys' weights (remembered until counts change)."""
        weight = self.known.get(keys)
        if weight is None:
            weight = self.known[keys] = sum(map(self.key, keys))
        return weight

    def key(self, key: str) -> float:
        """Weigh one key (remembered until counts change)."""
        weight = self.weights.get(key)
        if weight is None:
            weight = self.weights[key] = key_weight(key, self.rules_using[key])
        return weight

    def count(self, keys: Iterable[str], by: int = 1) -> None:
        """Count (or, with ``by=-1``, uncount) one rule's keys."""
        rules_using = self.rules_using
        for key in keys:
            rules_using[key] += by
        self.known.clear()
        self.weights.clear()


Posted = str | set[str]
"""The rules posted under one pair of keys: most pairs hold one rule, kept as its bare id (no set to allocate)."""


class RuleIndex:
    """Compiled rules posted under their rarest required terms; candidates are evaluated, others never."""

    def __init__(self) -> None:
        self.rules: dict[str, Query] = {}
        self._postings: dict[str, dict[str, Posted]] = {}
        self._posted: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._plans: dict[str, Plan | None] = {}
        self._settled: set[str] = set()
        self._weigh = Weigh()
        self._fits: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}
        self.last_candidates = 0
        self.last_evaluated = 0

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def build(self, rules: Iterable[tuple[str, Query]]) -> None:
        """Replace every rule at once; key popularity is counted over the whole set first."""
        self.rules = dict(rules)
        self._postings, self._posted, self._plans, self._settled = {}, {}, {}, set()
        self._weigh = Weigh()
        # terms are shared between rules: count each distinct key set, then spread; a key twice
        # in one rule counts twice (weights are estimates)
        sets = Counter(t.keyset for q in self.rules.values() for t in q.terms)
        rules_using = self._weigh.rules_using
        for keys, n in sets.items():
            for key in keys:
                rules_using[key] += n
        # weigh every key, then every required set, once: sorting each rule's sets is then a look-up
        weights = {key: key_weight(key, n) for key, n in rules_using.items()}
        self._weigh.weights.update(weights)
        known = self._weigh.known
        for keys in {keys for q in self.rules.values() if q.flat is not None for keys in q.flat[0]}:
            known[keys] = sum(map(weights.__getitem__, keys))
        for rule_id, query in self.rules.items():
            self._post(rule_id, query)

    def add(self, rule_id: str, query: Query) -> None:
        """Add or replace one rule."""
        self.remove(rule_id)
        self.rules[rule_id] = query
        self._weigh.count(frozenset().union(*(t.keyset for t in query.terms)))
        self._post(rule_id, query)

    def remove(self, rule_id: str) -> None:
        """Forget one rule (nothing happens if it is unknown)."""
        query = self.rules.pop(rule_id, None)
        if query is None:
            return
        self._weigh.count(frozenset().union(*(t.keyset for t in query.terms)), by=-1)
        self._plans.pop(rule_id, None)
        self._settled.discard(rule_id)
        primary, second = self._posted.pop(rule_id)
        for key, seconds in self._pairs(primary, second):
            level = self._postings[key]
            for second_key in seconds:
                rule_ids = level[second_key]
                if isinstance(rule_ids, str):
                    del level[second_key]
                    continue
                rule_ids.discard(rule_id)
                if len(rule_ids) == 1:
                    level[second_key] = next(iter(rule_ids))
            if not level:
                del self._postings[key]

    def _pairs(self, primary: frozenset[str], second: frozenset[str]) -> list[tuple[str, tuple[str, ...]]]:
        """Each primary key with the second keys an article showing it can also show."""
        if not second:
            return [(key, (ALWAYS,)) for key in primary]
        fits = self._fits.get(second)
        if fits is None:
            fits = self._fits[second] = stemming_fits(second)
        pairs = []
        for key in primary:
            seconds = fits[""] if key[0] != "k" else fits.get(key[: key.find(":", 2)], fits["k"])
            if seconds:  # no second key fits: the article can never show both
                pairs.append((key, seconds))
        return pairs

    def _post(self, rule_id: str, query: Query) -> None:
        flat = Plan(*query.flat) if query.flat is not None else plan(query.root)
        if flat is not None:
            try:
                ordered = flat.required = tuple(sorted(flat.required, key=self._weigh.known.__getitem__))
            except KeyError:
                ordered = flat.required = tuple(sorted(flat.required, key=self._weigh))
            primary, second = ordered[0], (ordered[1] if len(ordered) > 1 else ANY)
        else:
            found = cover(query.root, self._weigh)
            if found is None:
                raise ValueError(f"rule {rule_id} can match by negation alone and cannot be indexed")
            primary, second = found[1], ANY
        self._plans[rule_id] = flat
        self._posted[rule_id] = (primary, second)
        if flat is not None and len(flat.required) <= 2 and not flat.forbidden:
            self._settled.add(rule_id)  # being a candidate is matching
        postings = self._postings
        for key, seconds in self._pairs(primary, second):
            level = postings.get(key)
            if level is None:
                level = postings[key] = {}
            for second_key in seconds:
                rule_ids = level.get(second_key)
                if rule_ids is None:
                    level[second_key] = rule_id
                elif isinstance(rule_ids, str):
                    level[second_key] = {rule_ids, rule_id}
                else:
                    rule_ids.add(rule_id)

    def candidates(self, facts: Facts) -> set[str]:
        """Return the ids of rules whose primary and second terms the article both shows."""
        keys = facts.keys
        postings = self._postings
        found: set[str] = set()
        add = found.add
        for key in keys:
            level = postings.get(key)
            if level is None:
                continue
            for second_key in keys.intersection(level):
                rule_ids = level[second_key]
                if isinstance(rule_ids, str):
                    add(rule_ids)
                else:
                    found |= rule_ids
            always = level.get(ALWAYS)
            if always is not None:
                if isinstance(always, str):
                    add(always)
                else:
                    found |= always
        return found

    def match(self, facts: Facts) -> list[str]:
        """Return the ids of the rules that hold for the article, evaluating only candidates."""
        candidates = self.candidates(facts)
        self.last_candidates = len(candidates)
        rules, plans, keys = self.rules, self._plans, facts.keys
        matched = list(candidates & self._settled)
        unsettled = candidates - self._settled
        self.last_evaluated = len(unsettled)
        for rule_id in unsettled:
            flat = plans[rule_id]
            if flat.rest_holds(keys) if flat is not None else holds(rules[rule_id].root, facts):
                matched.append(rule_id)
        return sorted(matched)

    def scan(self, facts: Facts) -> list[str]:
        """Return the ids of the rules that hold, evaluating every rule's tree (the baseline)."""
        return sorted(rule_id for rule_id, query in self.rules.items() if holds(query.root, facts))
