"""From cue hits to topics: language, menu and veto rules, confirmation, scores and broader topics."""

from __future__ import annotations

from bisect import bisect_left
from typing import Final

from services.classify.actors import Found
from services.classify.context import Field
from services.classify.patterns import Hit, Target, case_holds
from shared.models import SCHEMA_VERSION, MentionRecord, TopicRecord
from shared.vocabulary import Entry

THRESHOLD: Final = 1.0
"""Evidence a topic needs: one strong cue, or two ordinary ones."""
SATURATION: Final = 3.0
REPEAT_FACTOR: Final = 0.3
TITLE_FACTOR: Final = 1.5
VETO_RADIUS: Final = 60
CONFIRM_RADIUS: Final = 150
ACTOR_RADIUS: Final = 40
PARENT_FACTOR: Final = 0.8
MAX_CUE_MENTIONS: Final = 5
"""Evidence kept per topic: the first cues are enough to show why, and keep payloads small."""
_ACTOR_KINDS_CONFIRMING: Final = frozenset({"country", "organisation", "person"})


class Evidence:
    """What supports one topic so far."""

    # a plain class, not a dataclass: mypyc builds it natively (one per topic cued in each article)
    __slots__ = ("mentions", "seen", "total")

    def __init__(self) -> None:
        self.total = 0.0
        self.seen: dict[str, int] = {}
        self.mentions: list[MentionRecord] = []

    def settled(self) -> bool:
        """Whether more cues can change nothing: the score is saturated and the evidence list full."""
        return self.total >= SATURATION and len(self.mentions) >= MAX_CUE_MENTIONS


class ActorSpans:
    """Where the article names confirming actors (countries, organisations, people), per field.

    A confirmation-bound cue asks whether one lies within ``ACTOR_RADIUS`` characters: two
    bisections instead of a pass over every actor for every cue.
    """

    def __init__(self, actors: list[Found]) -> None:
        spans: dict[str, list[tuple[int, int]]] = {}
        for a in actors:
            if a.target.kind in _ACTOR_KINDS_CONFIRMING:
                spans.setdefault(a.field.name, []).append((a.start, a.end))
        self._starts: dict[str, list[int]] = {}
        self._reach: dict[str, list[int]] = {}
        for name, found in spans.items():
            found.sort()
            self._starts[name] = [start for start, _ in found]
            reach, furthest = [], -1
            for _, end in found:
                furthest = max(furthest, end)
                reach.append(furthest)
            self._reach[name] = reach

    def near(self, fld: Field, start: int, end: int) -> bool:
        """Whether a confirming actor's span overlaps ``start - ACTOR_RADIUS .. end + ACTOR_RADIUS`` in ``fld``."""
        starts = self._starts.get(fld.name)
        if starts is None:
            return False
        before = bisect_left(starts, end + ACTOR_RADIUS)  # actors starting before the window ends
        return before > 0 and self._reach[fld.name][before - 1] > start - ACTOR_RADIUS


def _vetoed(fld: Field, hit: Hit, target: Target) -> bool:
    return bool(
        (target.veto and fld.near(hit.start, hit.end, target.veto, VETO_RADIUS))
        or (target.veto_before and fld.followed_by(hit.end, target.veto_before))
        or (target.veto_after and fld.preceded_by(hit.start, target.veto_after))
    )


def _confirmed(fld: Field, hit: Hit, target: Target, actors: ActorSpans) -> bool:
    if not target.must_confirm:
        return True
    return bool(target.confirm and fld.near(hit.start, hit.end, target.confirm, CONFIRM_RADIUS)) or (
        target.confirm_actor and actors.near(fld, hit.start, hit.end)
    )


def cue_holds(fld: Field, hit: Hit, target: Target, lang: str, actors: ActorSpans) -> bool:
    """Whether a cue counts here: right language and case, not a menu label, not vetoed, confirmed if it must be."""
    if target.cue is None or (target.lang is not None and target.lang != lang):
        return False
    if target.cased is not None and not (fld.mixed_case and case_holds(fld.text[hit.start : hit.end], target.cased)):
        return False
    if fld.boilerplate.is_label(hit.start) or _vetoed(fld, hit, target):
        return False
    return _confirmed(fld, hit, target, actors)


def _collect(fields: list[Field], lang: str, actors: ActorSpans) -> dict[str, Evidence]:
    evidence: dict[str, Evidence] = {}
    for fld in fields:
        for hit in fld.hits:
            if hit.cues:
                _weigh(fld, hit, lang, actors, evidence)
    return evidence


def _weigh(fld: Field, hit: Hit, lang: str, actors: ActorSpans, evidence: dict[str, Evidence]) -> None:
    """Add what one hit's cues say to ``evidence``, each topic at most once per hit."""
    counted: list[str] = []  # a hit has one or two cues: a list is quicker to build than a set
    for target in hit.cues:
        topic = target.entry_id
        item = evidence.get(topic)
        if item is None:
            item = evidence[topic] = Evidence()
        if topic in counted or item.settled() or not cue_holds(fld, hit, target, lang, actors):
            continue
        counted.append(topic)
        phrase = fld.flat[hit.start + 1 : hit.end + 1]
        repeat = item.seen.get(phrase, 0)
        item.seen[phrase] = repeat + 1
        factor = (TITLE_FACTOR if fld.name == "title" else 1.0) * (REPEAT_FACTOR if repeat else 1.0)
        item.total += target.weight * factor
        if len(item.mentions) < MAX_CUE_MENTIONS:
            item.mentions.append(
                {
                    "schema_version": SCHEMA_VERSION,
                    "field": fld.name,
                    "start": hit.start,
                    "end": hit.end,
                    "text": fld.text[hit.start : hit.end],
                }
            )


def topic_tags(fields: list[Field], lang: str, actors: list[Found], topics: dict[str, Entry]) -> list[TopicRecord]:
    """Topics whose evidence reaches the threshold, with their broader topics, best first (as records)."""
    evidence = _collect(fields, lang, ActorSpans(actors))
    scores = {t: min(1.0, e.total / SATURATION) for t, e in evidence.items() if e.total >= THRESHOLD}
    mentions = {t: evidence[t].mentions for t in scores}
    for topic_id in list(scores):
        for parent in topics[topic_id].affiliations:
            inherited = scores[topic_id] * PARENT_FACTOR
            if inherited > scores.get(parent, 0.0):
                scores[parent] = inherited
                mentions.setdefault(parent, mentions[topic_id])
    records: list[TopicRecord] = [
        {
            "schema_version": SCHEMA_VERSION,
            "id": t,
            "iptc": topics[t].iptc,
            "score": round(s, 3),
            "mentions": mentions[t],
        }
        for t, s in scores.items()
    ]
    records.sort(key=_best_first)
    return records


def _best_first(record: TopicRecord) -> tuple[float, str]:
    return -record["score"], record["id"]
