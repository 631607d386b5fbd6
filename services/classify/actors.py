"""From automaton hits to actors: case, language, context and morphology rules, then salience."""

from __future__ import annotations

from typing import Final, cast

from services.classify.context import Field
from services.classify.patterns import Hit, Target, by_length, case_holds, padded
from shared.models import SCHEMA_VERSION, ActorKind, ActorRecord, MentionRecord
from shared.vocabulary import Entry

MAX_MENTIONS: Final = 25
_LANGUAGE_WORDS: Final = by_length(
    tuple(tuple(w.split()) for w in ("en", "in", "parle", "parler", "parlent", "speak", "speaks", "langue", "language",
                                     "cours de"))
)  # fmt: skip
"""Words before a demonym that make it a language: "en français", "speaks French"."""
_LANGUAGE_NOUNS: Final = by_length(
    tuple((w,) for w in ("acronym", "acronyme", "sigle", "name", "word", "words", "term", "translation", "traduction",
                         "speaking"))
)  # fmt: skip
"""Words after a demonym that make it a language: "its French acronym"."""


class Found:
    """A hit that passed the rules of its target."""

    # a plain class, not a named tuple: mypyc compiles it to a C struct, quicker to build and to read
    __slots__ = ("end", "field", "start", "target")

    def __init__(self, field: Field, start: int, end: int, target: Target) -> None:
        self.field = field
        self.start = start
        self.end = end
        self.target = target


def _role_allows(fld: Field, hit: Hit, target: Target) -> bool:
    if target.role == "prefix":
        return fld.hyphen_after(hit.end)
    if target.role == "given":
        return fld.title_case or not fld.capitalised_next(hit.end)
    if target.role == "demonym":
        return not (fld.preceded_by(hit.start, _LANGUAGE_WORDS) or fld.followed_by(hit.end, _LANGUAGE_NOUNS))
    return True


def well_formed(fld: Field, hit: Hit, target: Target, lang: str) -> bool:
    """Whether the text at ``hit`` is written as ``target`` requires: language, case, capital."""
    if target.lang is not None and target.lang != lang:
        return False
    if target.cased is not None and not (fld.mixed_case and case_holds(fld.text[hit.start : hit.end], target.cased)):
        return False
    return not (target.capital and fld.mixed_case and not fld.text[hit.start].isupper())


def other_sense(fld: Field, hit: Hit, target: Target) -> bool:
    """Whether the neighbours show another sense: "fleuve Niger", "Richard Wagner", "Niger Delta"."""
    return bool(
        (target.not_after and fld.preceded_by(hit.start, target.not_after))
        or (target.not_before and fld.followed_by(hit.end, target.not_before))
    )


def _longest_first(found: list[Found]) -> list[Found]:
    """Keep the longest non-overlapping spans per field; every target of a kept span stays."""
    kept: list[Found] = []
    by_field: dict[str, list[Found]] = {}
    for item in found:
        by_field.setdefault(item.field.name, []).append(item)
    for items in by_field.values():
        items.sort(key=_start_then_longest)
        last_end, last_span = -1, (-1, -1)
        for item in items:
            if (item.start, item.end) == last_span or item.start >= last_end:
                kept.append(item)
                last_end, last_span = max(last_end, item.end), (item.start, item.end)
    return kept


def _start_then_longest(item: Found) -> tuple[int, int]:
    return item.start, item.start - item.end


def _context_score(entry: Entry, fields: list[Field]) -> int:
    """How many of the entry's context phrases occur anywhere in the article."""
    present: set[str] = set()
    for fld in fields:
        present.update(fld.context_hits().keys() & padded(entry.context))
    return len(present)


def _resolve_weak(weak: list[Found], strong: set[str], fields: list[Field]) -> list[Found]:
    """Keep a weak mention only with support: a strong mention of the same entry (a person's full
    name), else, for groups and companies, the most context words of the entries sharing it."""
    by_span: dict[tuple[str, int], list[Found]] = {}
    for item in weak:
        by_span.setdefault((item.field.name, item.start), []).append(item)
    accepted: list[Found] = []
    scores: dict[str, int] = {}
    for items in by_span.values():
        backed = [i for i in items if i.target.entry_id in strong]
        if backed or all(i.target.kind == "person" for i in items):
            accepted += backed
            continue
        candidates = [i for i in items if i.target.kind != "person"]
        for i in candidates:
            scores.setdefault(i.target.entry_id, _context_score(i.target.entry, fields))
        best = max(scores[i.target.entry_id] for i in candidates)
        winners = [i for i in candidates if scores[i.target.entry_id] == best]
        if best > 0 and len({w.target.entry_id for w in winners}) == 1:
            accepted += winners
    return accepted


def _accept(fld: Field, hit: Hit, lang: str, found: list[Found], elsewhere: set[str]) -> None:
    """Add the hit's actors that pass their rules to ``found``; note in ``elsewhere`` those used in another sense."""
    for target in hit.actors:
        if not well_formed(fld, hit, target, lang):
            continue
        if other_sense(fld, hit, target):
            elsewhere.add(target.entry_id)
        elif _role_allows(fld, hit, target):
            found.append(Found(fld, hit.start, hit.end, target))


def resolve(fields: list[Field], lang: str) -> list[Found]:
    """Every accepted actor mention, overlaps and unsupported weak aliases removed.

    Once the article uses a weak alias in another sense ("Richard Wagner"), its bare uses
    ("Wagner") stand for the entry only next to a strong mention of it.
    """
    found: list[Found] = []
    elsewhere: set[str] = set()
    for fld in fields:
        for hit in fld.hits:
            if hit.actors and not (fld.boilerplate.noise and fld.boilerplate.is_noise(hit.start)):
                _accept(fld, hit, lang, found, elsewhere)
    kept = _longest_first(found)
    strong = {f.target.entry_id for f in kept if f.target.role != "weak"}
    weak = [
        f
        for f in kept
        if f.target.role == "weak" and (f.target.entry_id not in elsewhere or f.target.entry_id in strong)
    ]
    return [f for f in kept if f.target.role != "weak"] + _resolve_weak(weak, strong, fields)


def salience(mentions: list[Found], text_length: int) -> float:
    """How central an actor is: in the title, mentioned often, mentioned early, named not only as an adjective."""
    in_title = named = False
    first_in_body = -1
    for m in mentions:
        if m.field.name == "title":
            in_title = True
        elif first_in_body < 0 or m.start < first_in_body:
            first_in_body = m.start
        named = named or m.target.role != "demonym"
    early = first_in_body >= 0 and first_in_body <= max(300, text_length // 5)
    return _SALIENCE[(in_title, min(len(mentions) - 1, 3), early, named)]


def _salience_score(in_title: bool, repeats: int, early: bool, named: bool) -> float:
    return round(min(1.0, 0.2 + 0.35 * in_title + 0.1 * repeats + 0.1 * early + 0.05 * named), 3)


_SALIENCE: Final = {
    (t, r, e, n): _salience_score(t, r, e, n)
    for t in (False, True)
    for r in range(4)
    for e in (False, True)
    for n in (False, True)
}
"""Every salience there is, computed once: ``round`` costs more than the rest of an actor tag."""


def actor_tags(found: list[Found], text_length: int) -> list[ActorRecord]:
    """Group accepted mentions by entry into actor tags, most salient first (as records: see :class:`Tags`)."""
    by_entry: dict[str, list[Found]] = {}
    for item in found:
        by_entry.setdefault(item.target.entry_id, []).append(item)
    records: list[ActorRecord] = []
    for mentions in by_entry.values():
        mentions.sort(key=_title_first)
        entry = mentions[0].target.entry
        evidence: list[MentionRecord] = [
            {
                "schema_version": SCHEMA_VERSION,
                "field": m.field.name,
                "start": m.start,
                "end": m.end,
                "text": m.field.text[m.start : m.end],
            }
            for m in mentions[:MAX_MENTIONS]
        ]
        records.append(
            {
                "schema_version": SCHEMA_VERSION,
                "id": entry.id,
                "name": entry.name,
                "kind": cast(ActorKind, entry.kind),  # found targets are actor entries, never topics
                "wikidata": entry.wikidata,
                "salience": salience(mentions, text_length),
                "mentions": evidence,
            }
        )
    records.sort(key=_most_salient_first)
    return records


def _title_first(item: Found) -> tuple[bool, int]:
    return item.field.name != "title", item.start


def _most_salient_first(record: ActorRecord) -> tuple[float, bool, int]:
    first = record["mentions"][0]
    return -record["salience"], first["field"] != "title", first["start"]
