"""The loaded vocabulary: entries by id, and the look-ups the tagger and the rule compiler share."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from shared.errors import ConfigError
from shared.vocabulary.entry import Entry
from shared.vocabulary.folding import fold, words

ACRONYM_MAX_CHARS = 6


def resolvable(entry: Entry) -> Iterable[str]:
    """Every phrase that names ``entry`` in a rule, in any language."""
    yield entry.name
    yield entry.id.replace("-", " ")
    yield from entry.aliases
    yield from entry.demonyms
    yield from entry.weak


class Vocabulary:
    """Actors and topics by id, with alias look-ups in any language."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        by_id: dict[str, Entry] = {}
        for entry in entries:
            if entry.id in by_id:
                raise ConfigError(f"vocabulary entry {entry.id}: defined twice")
            by_id[entry.id] = entry
        self.entries: Mapping[str, Entry] = MappingProxyType(by_id)
        self._check_affiliations()
        self._core = self._index(resolvable(entry) for entry in by_id.values())
        self._local = self._index(
            (alias for forms in entry.local.values() for alias in forms) for entry in by_id.values()
        )
        self._longest = max((len(k) for k in (*self._core, *self._local)), default=1)
        self.acronyms = self._acronym_keys()
        """Word keys that every vocabulary spelling writes in capitals (UN, US, AES): in lowercase
        they are ordinary words ("un sommet"), so a rule should match them only when capitalised."""
        self._members = self._affiliation_tree()

    def _index(self, phrase_sets: Iterable[Iterable[str]]) -> dict[tuple[str, ...], list[Entry]]:
        index: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
        for entry, phrases in zip(self.entries.values(), phrase_sets, strict=True):
            for phrase in phrases:
                key = words(phrase)
                if key and entry not in index[key]:
                    index[key].append(entry)
        return dict(index)

    def _acronym_keys(self) -> frozenset[tuple[str, ...]]:
        spellings: dict[tuple[str, ...], bool] = {}
        for entry in self.entries.values():
            for phrase in (entry.name, *entry.aliases, *entry.demonyms, *entry.weak):
                key = words(phrase)
                capitals = not any(c.islower() for c in phrase) and len(phrase) <= ACRONYM_MAX_CHARS
                spellings[key] = spellings.get(key, True) and capitals
        return frozenset(k for k, only_capitals in spellings.items() if only_capitals and k)

    def _check_affiliations(self) -> None:
        for entry in self.entries.values():
            for parent in entry.affiliations:
                if parent not in self.entries:
                    hint = self.suggest(parent)
                    raise ConfigError(
                        f"vocabulary entry {entry.id}: field affiliations: unknown id {parent!r}"
                        + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                    )

    def _affiliation_tree(self) -> dict[str, frozenset[str]]:
        children: dict[str, set[str]] = defaultdict(set)
        for entry in self.entries.values():
            for parent in entry.affiliations:
                children[parent].add(entry.id)
        members: dict[str, frozenset[str]] = {}
        for entry_id in self.entries:
            seen = {entry_id}
            stack = [entry_id]
            while stack:
                for child in children.get(stack.pop(), ()):
                    if child not in seen:
                        seen.add(child)
                        stack.append(child)
            members[entry_id] = frozenset(seen)
        return members

    def resolve(self, phrase: str) -> list[Entry]:
        """Entries whose alias is exactly ``phrase`` once folded; English and French names first."""
        key = words(phrase)
        return list(self._core.get(key) or self._local.get(key) or [])

    def affiliates(self, entry_id: str) -> frozenset[str]:
        """Ids whose affiliation chain reaches ``entry_id``, ``entry_id`` included."""
        return self._members.get(entry_id, frozenset({entry_id}))

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """The ids closest to ``text``, for "did you mean" messages."""
        wanted = fold(text).strip().replace(" ", "-")
        by_name = {fold(entry.name).replace(" ", "-"): entry.id for entry in self.entries.values()}
        candidates = {**by_name, **{entry_id: entry_id for entry_id in self.entries}}
        close = difflib.get_close_matches(wanted, list(candidates), n=n * 2, cutoff=0.6)
        return list(dict.fromkeys(candidates[c] for c in close))[:n]

    def longest_alias_at(self, folded_words: Sequence[str], i: int) -> tuple[int, list[Entry]]:
        """The longest alias starting at word ``i``: how many words it takes and its entries.

        Returns ``(0, [])`` when no alias starts there.
        """
        for size in range(min(self._longest, len(folded_words) - i), 0, -1):
            key = tuple(folded_words[i : i + size])
            found = self._core.get(key) or self._local.get(key)
            if found:
                return size, list(found)
        return 0, []

    def __len__(self) -> int:
        return len(self.entries)

    def alias_count(self) -> int:
        """How many distinct (entry, alias) pairs the vocabulary knows, in every language."""
        return sum(len(found) for found in self._core.values()) + sum(len(f) for f in self._local.values())
