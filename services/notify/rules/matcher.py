"""Decide whether one rule holds for an article, and say why.

:func:`holds` is the plain evaluation of a rule tree (the reference the index in
:mod:`services.notify.rules.index` must agree with); :func:`explain` lists every term
of a rule with what in the article satisfied it.
"""

from __future__ import annotations

from services.notify.rules.facts import Facts, Span
from services.notify.rules.query import And, Node, Not, Term
from shared.models import Mention, TermEvidence

MAX_MENTIONS = 3


def _mentions(facts: Facts, spans: list[Span]) -> list[Mention]:
    article = facts.article
    return [
        Mention(
            field=field, start=start, end=end, text=(article.title if field == "title" else article.text)[start:end]
        )
        for field, start, end in spans
    ]


def phrase_mentions(term: Term, facts: Facts, limit: int = MAX_MENTIONS) -> list[Mention]:
    """Find where the phrase of ``term`` occurs, as mentions (at most ``limit``)."""
    return _mentions(facts, facts.phrase_spans(term.words, limit))


def term_holds(term: Term, facts: Facts) -> bool:
    """Tell whether one term holds for an article."""
    if facts.keys.isdisjoint(term.keys):
        return False
    return term.kind != "phrase" or bool(facts.phrase_spans(term.words, 1))


def holds(node: Node, facts: Facts) -> bool:
    """Evaluate a rule tree against an article, without any index."""
    if isinstance(node, Term):
        return term_holds(node, facts)
    if isinstance(node, Not):
        return not holds(node.child, facts)
    if isinstance(node, And):
        return all(holds(child, facts) for child in node.children)
    return any(holds(child, facts) for child in node.children)


def _keyword_mentions(term: Term, facts: Facts) -> list[Mention]:
    return _mentions(facts, facts.keyword_spans(term.keys, MAX_MENTIONS))


def evidence(term: Term, facts: Facts, negated: bool = False) -> TermEvidence:
    """Say whether ``term`` held and what in the article supports it (worked out once per article)."""
    key = (term, negated)
    found = facts.explained.get(key)
    if found is None:
        found = facts.explained[key] = _evidence(term, facts, negated)
    return found


def _evidence(term: Term, facts: Facts, negated: bool) -> TermEvidence:
    mentions: list[Mention] = []
    held: bool | None = None
    if term.kind == "actor":
        mentions = [m for actor in facts.actors.get(term.keys[0], ()) for m in actor.mentions]
    elif term.kind == "topic" and term.keys[0] in facts.topics:
        mentions = list(facts.topics[term.keys[0]].mentions)
    elif term.kind == "keyword":
        mentions = _keyword_mentions(term, facts)
    elif term.kind == "phrase":
        if not facts.keys.isdisjoint(term.keys):
            mentions = phrase_mentions(term, facts)
        held = bool(mentions)
    return TermEvidence(
        term=term.text,
        kind=term.kind,
        ref=term.ref,
        held=term_holds(term, facts) if held is None else held,
        negated=negated,
        mentions=tuple(mentions[:MAX_MENTIONS]),
    )


def explain(node: Node, facts: Facts, negated: bool = False) -> list[TermEvidence]:
    """List every term of a rule, in reading order, with whether it held and its evidence."""
    if isinstance(node, Term):
        return [evidence(node, facts, negated)]
    if isinstance(node, Not):
        return explain(node.child, facts, not negated)
    return [ev for child in node.children for ev in explain(child, facts, negated)]
