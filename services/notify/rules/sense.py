"""Which entry a rule means by an alias that several vocabulary entries share.

In articles the tagger tells namesakes apart from context; a rule has no context, so a
shared alias (``AES``, ``RSF``, a surname such as ``Traoré``) resolves to one entry, the
first by these preferences, each deciding only when the ones before it tie:

1. the entry with a spelling in the case the subscriber typed (``AES`` is not ``Aes``);
2. a public actor (country, organisation, armed group, person) over a topic, and a
   topic over a company: a news reader writing a name shared with a company means the
   public actor far more often than the namesake firm;
3. the entry for which the alias stands alone over one for which it needs support in
   articles (the vocabulary's ``weak`` aliases);
4. the entry the vocabulary lists first: its files list the better-known holder of a
   shared name first (a head of state before a minister of the same surname).

The other entries are kept as alternatives for the rule editor to show; the full name
(``AES Corporation``) or ``actor:<id>`` picks one of them explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.vocabulary import Entry
from shared.vocabulary.folding import words

KIND_RANK: Mapping[str, int] = {
    "country": 0,
    "organisation": 0,
    "armed_group": 0,
    "person": 0,
    "topic": 1,
    "company": 2,
}


def capitals(text: str) -> tuple[bool, ...]:
    """Which letters of ``text`` are capitals: how it is cased, accents and punctuation aside."""
    return tuple(c.isupper() for c in text if c.isalpha())


def spellings(entry: Entry) -> list[str]:
    """Every way the vocabulary writes ``entry``, in any language."""
    local = [alias for forms in entry.local.values() for alias in forms]
    return [entry.name, *entry.aliases, *entry.demonyms, *entry.weak, *local]


def same_case(entry: Entry, typed: str) -> bool:
    """Whether ``entry`` has a spelling of ``typed`` cased as the subscriber typed it."""
    key, cased = words(typed), capitals(typed)
    return any(words(s) == key and capitals(s) == cased for s in spellings(entry))


def only_weak(entry: Entry, typed: str) -> bool:
    """Whether ``typed`` names ``entry`` only as a weak alias (one that needs support in articles)."""
    key = words(typed)
    strong = [entry.name, entry.id.replace("-", " "), *entry.aliases, *entry.demonyms]
    return not any(words(s) == key for s in strong)


def prefer(entries: Sequence[Entry], typed: str, order: Mapping[str, int]) -> tuple[Entry, tuple[Entry, ...]]:
    """Pick the entry a subscriber means by ``typed``; return it and the others it also names.

    ``order`` gives each entry id its position in the vocabulary.
    """
    if len(entries) == 1:
        return entries[0], ()
    ranked = sorted(
        entries,
        key=lambda e: (
            not same_case(e, typed),
            KIND_RANK.get(e.kind, 1),
            only_weak(e, typed),
            order.get(e.id, len(order)),
        ),
    )
    return ranked[0], tuple(ranked[1:])
