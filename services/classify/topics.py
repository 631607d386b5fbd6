"""From cue hits to topics: language, menu and veto rules, confirmation, scores and broader topics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from services.classify.actors import Found
from services.classify.context import Field
from services.classify.patterns import Hit, Target, case_holds
from shared.models import TopicTag
from shared.vocabulary import Cue, Entry

THRESHOLD = 1.0
"""Evidence a topic needs: one strong cue, or two ordinary ones."""
SATURATION = 3.0
REPEAT_FACTOR = 0.3
TITLE_FACTOR = 1.5
VETO_RADIUS = 60
CONFIRM_RADIUS = 150
ACTOR_RADIUS = 40
PARENT_FACTOR = 0.8
MAX_CUE_MENTIONS = 5
_TOPIC_TAGS = TypeAdapter(tuple[TopicTag, ...])
"""Evidence kept per topic: the first cues are enough to show why, and keep payloads small."""
_ACTOR_KINDS_CONFIRMING = frozenset({"country", "organisation", "person"})


@dataclass(slots=True)
class Evidence:
    """What supports one topic so far."""

    total: float = 0.0
    seen: dict[str, int] = field(default_factory=dict)
    mentions: list[dict[str, Any]] = field(default_factory=list)

    def settled(self) -> bool:
        """Whether more cues can change nothing: the score is saturated and the evidence list full."""
        return self.total >= SATURATION and len(self.mentions) >= MAX_CUE_MENTIONS


def _actor_near(fld: Field, start: int, end: int, actors: Sequence[Found]) -> bool:
    return any(
        a.field is fld
        and a.target.entry.kind in _ACTOR_KINDS_CONFIRMING
        and a.start < end + ACTOR_RADIUS
        and a.end > start - ACTOR_RADIUS
        for a in actors
    )


def _vetoed(fld: Field, hit: Hit, target: Target) -> bool:
    return bool(
        (target.veto and fld.near(hit.start, hit.end, target.veto, VETO_RADIUS))
        or (target.veto_before and fld.followed_by(hit.end, target.veto_before))
        or (target.veto_after and fld.preceded_by(hit.start, target.veto_after))
    )


def _confirmed(fld: Field, hit: Hit, target: Target, cue: Cue, actors: Sequence[Found]) -> bool:
    if not (cue.confirm or cue.confirm_actor):
        return True
    return bool(target.confirm and fld.near(hit.start, hit.end, target.confirm, CONFIRM_RADIUS)) or bool(
        cue.confirm_actor and _actor_near(fld, hit.start, hit.end, actors)
    )


def cue_holds(fld: Field, hit: Hit, target: Target, lang: str, actors: Sequence[Found]) -> bool:
    """Whether a cue counts here: right language and case, not a menu label, not vetoed, confirmed if it must be."""
    cue = target.cue
    if cue is None or (cue.lang is not None and cue.lang != lang):
        return False
    if target.cased is not None and not (fld.mixed_case and case_holds(fld.text[hit.start : hit.end], target.cased)):
        return False
    if fld.boilerplate.is_label(hit.start) or _vetoed(fld, hit, target):
        return False
    return _confirmed(fld, hit, target, cue, actors)


def _collect(hits: Iterable[tuple[Field, Hit]], lang: str, actors: Sequence[Found]) -> dict[str, Evidence]:
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    for fld, hit in hits:
        if not hit.cues:
            continue
        counted: set[str] = set()
        for target in hit.cues:
            topic = target.entry.id
            item = evidence[topic]
            if topic in counted or item.settled() or not cue_holds(fld, hit, target, lang, actors):
                continue
            counted.add(topic)
            assert target.cue is not None
            phrase = fld.flat[hit.start + 1 : hit.end + 1]
            repeat = item.seen.get(phrase, 0)
            item.seen[phrase] = repeat + 1
            factor = (TITLE_FACTOR if fld.name == "title" else 1.0) * (REPEAT_FACTOR if repeat else 1.0)
            item.total += target.cue.weight * factor
            if len(item.mentions) < MAX_CUE_MENTIONS:
                item.mentions.append(
                    {"field": fld.name, "start": hit.start, "end": hit.end, "text": fld.text[hit.start : hit.end]}
                )
    return evidence


def topic_tags(
    hits: Iterable[tuple[Field, Hit]], lang: str, actors: Sequence[Found], topics: Mapping[str, Entry]
) -> tuple[TopicTag, ...]:
    """Topics whose evidence reaches the threshold, with their broader topics, best first."""
    evidence = _collect(hits, lang, actors)
    scores = {t: min(1.0, e.total / SATURATION) for t, e in evidence.items() if e.total >= THRESHOLD}
    mentions = {t: evidence[t].mentions for t in scores}
    for topic_id in list(scores):
        for parent in topics[topic_id].affiliations:
            inherited = scores[topic_id] * PARENT_FACTOR
            if inherited > scores.get(parent, 0.0):
                scores[parent] = inherited
                mentions.setdefault(parent, mentions[topic_id])
    records: list[dict[str, Any]] = [
        {"id": t, "iptc": topics[t].iptc, "score": round(s, 3), "mentions": mentions[t]} for t, s in scores.items()
    ]
    records.sort(key=lambda r: (-r["score"], r["id"]))
    return _TOPIC_TAGS.validate_python(records)
