"""The rule index: which rules an article could match, found without evaluating the others.

Every rule is posted under the keys of one required set, the rarest it has (its
*primary* set), together with a second required set. An article looks up the postings
of each key it shows, keeps the rules whose second set it also shows, and only those
candidates are evaluated. Rarity is estimated by how many rules use a key (see
:mod:`.rarity`).

Inside, a rule is a number (its place in flat lists), and rules are grouped by primary
set, then by second set: loading 100,000 rules appends to lists instead of filling
dicts per rule and per key. Each key's postings are joined into two parallel tuples
(second sets, rules under each) that matching filters without a Python loop.

Testing every second set under a key touches objects scattered in memory (about 0.4 us
each). A key with many second sets (``REGROUP_FROM_SECONDS``) that is looked up often is
regrouped by second key, once: the article then probes it with its own keys. Regrouping
costs about as much as a few filterings, so it is done at a key's ``REGROUP_AFTER_LOOKS``-th
look-up (rent, then buy): rarely seen keys never pay for it, and loading rules never does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain, compress, filterfalse, repeat
from operator import not_

from services.notify.rules.facts import Facts
from services.notify.rules.matcher import holds
from services.notify.rules.query import And, Node, Not, Or, Query, Term
from services.notify.rules.rarity import Weigh
from services.notify.rules.tree import Flat, keyset_of

ANY: frozenset[str] = frozenset()
"""The second set of a rule with a single required set: nothing more to check."""


@dataclass(slots=True)
class Plan:
    """A rule flattened to key sets: each ``required`` set meets the article's keys, ``forbidden`` none."""

    required: tuple[frozenset[str], ...]
    forbidden: frozenset[str]

    def holds(self, keys: frozenset[str]) -> bool:
        """Evaluate the flattened rule on an article's keys."""
        return keys.isdisjoint(self.forbidden) and all(not keys.isdisjoint(c) for c in self.required)


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


Rest = Flat | Node | None
"""What a candidate must still pass: nothing (being a candidate is matching), the required sets
past the second and the exclusions of a flat rule, or the tree of a rule that has no flat form."""
Pair = tuple[frozenset[str], frozenset[str]]
Posting = tuple[tuple[frozenset[str], ...], tuple[list[int], ...], tuple[int, ...]]
"""Under one key: second sets, the rules posted with each, and the rules that need no second set."""


REGROUP_AFTER_LOOKS = 4
"""Look-ups of a key after which its postings are regrouped by second key (about what regrouping costs)."""
REGROUP_FROM_SECONDS = 16
"""Second sets under a key from which regrouping pays: probing costs about as much per article key."""


def stemming(key: str) -> str:
    """The stemming of a keyword key (``k:fr:pluie`` -> ``k:fr``); ``""`` for a key that is no keyword."""
    return key[: key.find(":", 2)] if key[0] == "k" else ""


class Fits(dict[frozenset[str], tuple[str, ...]]):
    """The keys of each second set an article can show beside a primary key of one stemming.

    Beside a key that is no keyword (stemming ``""``): every key. Beside a keyword key: the
    keys that are no keywords and the keyword keys of the same stemming, since an article's
    keyword keys all have its language's stemming.
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.prefix = f"{mode}:" if mode else ""

    def __missing__(self, keys: frozenset[str]) -> tuple[str, ...]:
        prefix = self.prefix
        fits = tuple(keys) if not prefix else tuple(k for k in keys if k[0] != "k" or k.startswith(prefix))
        self[keys] = fits
        return fits


def regrouped(posting: Posting, fits: Fits) -> dict[str, list[int]]:
    """The rules of a key's second sets by second key, keeping only the keys that ``fits`` allows."""
    seconds, numbers, _ = posting
    pairs = list(chain.from_iterable(map(zip, map(fits.__getitem__, seconds), map(repeat, numbers))))
    by_key = dict(pairs)
    if len(by_key) < len(pairs):  # second sets sharing a key: their rules are put together
        by_key = {}
        for second_key, found in pairs:
            known = by_key.get(second_key)
            by_key[second_key] = found if known is None else known + found  # never extend a group's list
    return by_key


class RuleIndex:
    """Compiled rules posted under their rarest required sets; candidates are evaluated, others never."""

    def __init__(self, regroup_from: int = REGROUP_FROM_SECONDS) -> None:
        self.rules: dict[str, Query] = {}
        self.regroup_from = regroup_from
        """Second sets under a key from which its postings are regrouped once it is often looked up."""
        self._numbers: dict[str, int] | None = None
        self._ids: list[str] = []
        self._rests: list[Rest] = []
        self._posted: list[Pair | None] = []
        self._levels: dict[frozenset[str], dict[frozenset[str], list[int]]] = {}
        """Rule numbers by primary set, then by second set."""
        self._alone: dict[frozenset[str], list[int]] = {}
        """Rule numbers by primary set, for rules with no second set."""
        self._under: dict[str, set[frozenset[str]]] = {}
        """The primary sets each key belongs to."""
        self._postings: dict[str, Posting] = {}
        self._looks: dict[str, int] = {}
        """Look-ups of each key not regrouped yet."""
        self._regrouped: dict[str, dict[str, list[int]]] = {}
        """The postings of often seen keys, by second key."""
        self._fits: dict[str, Fits] = {}
        self._settled: set[int] = set()
        """Rules for which being a candidate is matching."""
        self._weigh = Weigh()
        self.last_candidates = 0
        self.last_evaluated = 0

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def build(self, rules: Iterable[tuple[str, Query]]) -> None:
        """Replace every rule at once; key popularity is counted over the whole set first."""
        self.rules = dict(rules)
        queries = list(self.rules.values())
        self._ids = list(self.rules)
        self._numbers = None  # made on the first change: a build alone never needs it
        self._weigh = Weigh.of(queries)
        self._rests, self._posted = [], []
        self._levels, self._alone, self._under, self._postings = {}, {}, {}, {}
        self._looks, self._regrouped, self._fits = {}, {}, {}
        self._place(queries)
        self._settled = set(filterfalse(self._rests.__getitem__, range(len(self._rests))))
        self._file(0)
        under = self._under
        for primary in chain(self._levels, self._alone):
            for key in primary:
                found = under.get(key)
                if found is None:
                    under[key] = {primary}
                else:
                    found.add(primary)
        self._join(under)

    def numbers(self) -> dict[str, int]:
        """Each rule id's number."""
        if self._numbers is None:
            self._numbers = dict(zip(self._ids, range(len(self._ids)), strict=True))
        return self._numbers

    def _place(self, queries: Iterable[Query]) -> None:
        """Choose each rule's primary and second sets, and what is left to check after them."""
        weight = self._weigh.known.__getitem__
        rests, posted = self._rests, self._posted
        for query in queries:
            flat = query.flat
            if flat is None:
                rest, pair = self._placed(query)
                rests.append(rest)
                posted.append(pair)
                continue
            required, forbidden = flat
            if len(required) == 1:
                posted.append((required[0], ANY))
                rests.append(((), forbidden) if forbidden else None)
            elif len(required) == 2:
                first, second = required
                posted.append(
                    (second, first) if weight(second) < weight(first) else required
                )  # the flat pair itself when in order
                rests.append(((), forbidden) if forbidden else None)
            else:
                ordered = sorted(required, key=weight)
                posted.append((ordered[0], ordered[1]))
                rests.append((tuple(ordered[2:]), forbidden))

    def _placed(self, query: Query) -> tuple[Rest, Pair]:
        """Place a rule without a precomputed flat form (or one added after the build)."""
        flat = plan(query.root)
        if flat is None:
            found = cover(query.root, self._weigh)
            if found is None:
                raise ValueError(f"rule {query.text!r} can match by negation alone and cannot be indexed")
            return query.root, (found[1], ANY)
        ordered = sorted(flat.required, key=self._weigh)
        rest = (tuple(ordered[2:]), flat.forbidden) if len(ordered) > 2 or flat.forbidden else None
        return rest, (ordered[0], ordered[1] if len(ordered) > 1 else ANY)

    def _file(self, start: int) -> None:
        """Group the rules placed from number ``start`` on by primary set, then by second set."""
        levels, alone = self._levels, self._alone
        for n, (primary, second) in enumerate(self._posted[start:], start):  # type: ignore[misc]
            if not second:
                numbers = alone.get(primary)
                if numbers is None:
                    alone[primary] = [n]
                else:
                    numbers.append(n)
                continue
            level = levels.get(primary)
            if level is None:
                levels[primary] = {second: [n]}
                continue
            numbers = level.get(second)
            if numbers is None:
                level[second] = [n]
            else:
                numbers.append(n)

    def _join(self, keys: Iterable[str]) -> None:
        """Rebuild the postings of ``keys`` from the groups of the primary sets they belong to."""
        levels, alone, under, postings = self._levels, self._alone, self._under, self._postings
        for key in keys:
            self._regrouped.pop(key, None)
            self._looks.pop(key, None)
            seconds: list[frozenset[str]] = []
            numbers: list[list[int]] = []
            always: list[int] = []
            for primary in under.get(key, ()):
                level = levels.get(primary)
                if level is not None:
                    seconds.extend(level)
                    numbers.extend(level.values())
                always.extend(alone.get(primary, ()))
            if seconds or always:
                postings[key] = (tuple(seconds), tuple(numbers), tuple(always))
            else:
                postings.pop(key, None)

    def add(self, rule_id: str, query: Query) -> None:
        """Add or replace one rule."""
        self.remove(rule_id)
        keys = frozenset().union(*(t.keyset for t in query.terms))
        self._weigh.count(keys)
        try:
            rest, pair = self._placed(query)
        except ValueError:
            self._weigh.count(keys, by=-1)
            raise
        self.rules[rule_id] = query
        n = self.numbers()[rule_id] = len(self._ids)
        self._ids.append(rule_id)
        self._rests.append(rest)
        self._posted.append(pair)
        if rest is None:
            self._settled.add(n)
        self._file(n)
        primary = pair[0]
        for key in primary:
            self._under.setdefault(key, set()).add(primary)
        self._join(primary)

    def remove(self, rule_id: str) -> None:
        """Forget one rule (nothing happens if it is unknown); its number is never reused."""
        query = self.rules.pop(rule_id, None)
        if query is None:
            return
        self._weigh.count(frozenset().union(*(t.keyset for t in query.terms)), by=-1)
        n = self.numbers().pop(rule_id)
        pair = self._posted[n]
        self._posted[n] = self._rests[n] = None
        self._settled.discard(n)
        if pair is None:
            return
        primary, second = pair
        if second:
            level = self._levels[primary]
            level[second].remove(n)
            if not level[second]:
                del level[second]
            if not level:
                del self._levels[primary]
        else:
            self._alone[primary].remove(n)
            if not self._alone[primary]:
                del self._alone[primary]
        if primary not in self._levels and primary not in self._alone:
            for key in primary:
                self._under[key].discard(primary)
        self._join(primary)

    def candidates(self, facts: Facts) -> set[int]:
        """Return the numbers of rules whose primary and second sets the article both shows."""
        keys = facts.keys
        shows_none = keys.isdisjoint
        postings, regrouped, looks, regroup_from = self._postings, self._regrouped, self._looks, self.regroup_from
        found: set[int] = set()
        update = found.update
        for key in keys:
            posting = postings.get(key)
            if posting is None:
                continue
            by_key = regrouped.get(key)
            if by_key is not None:
                for second_key in by_key.keys() & keys:
                    update(by_key[second_key])
            else:
                seconds, numbers, _ = posting
                update(chain.from_iterable(compress(numbers, map(not_, map(shows_none, seconds)))))
                if len(seconds) >= regroup_from:
                    looked = looks[key] = looks.get(key, 0) + 1
                    if looked >= REGROUP_AFTER_LOOKS:
                        self._regroup(key, posting)
            always = posting[2]
            if always:
                update(always)
        return found

    def _regroup(self, key: str, posting: Posting) -> None:
        """Regroup an often seen key's postings by second key."""
        mode = stemming(key)
        fits = self._fits.get(mode)
        if fits is None:
            fits = self._fits[mode] = Fits(mode)
        self._regrouped[key] = regrouped(posting, fits)
        self._looks.pop(key, None)

    def match(self, facts: Facts) -> list[str]:
        """Return the ids of the rules that hold for the article, evaluating only candidates."""
        candidates = self.candidates(facts)
        self.last_candidates = len(candidates)
        rests, ids, shows_none = self._rests, self._ids, facts.keys.isdisjoint
        settled = candidates & self._settled
        unsettled = candidates - settled
        matched = list(map(ids.__getitem__, settled))
        for n in unsettled:
            rest = rests[n]
            if type(rest) is tuple:
                required, forbidden = rest
                if shows_none(forbidden) and not any(map(shows_none, required)):
                    matched.append(ids[n])
            elif holds(rest, facts):  # type: ignore[arg-type]  # not a tuple: a tree
                matched.append(ids[n])
        evaluated = len(unsettled)
        self.last_evaluated = evaluated
        return sorted(matched)

    def scan(self, facts: Facts) -> list[str]:
        """Return the ids of the rules that hold, evaluating every rule's tree (the baseline)."""
        return sorted(rule_id for rule_id, query in self.rules.items() if holds(query.root, facts))
