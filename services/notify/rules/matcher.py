"""Decide whether one rule holds for an article, and say why.

:func:`holds` is the plain evaluation of a rule tree (the reference the index in
:mod:`services.notify.rules.index` must agree with); :func:`explain` lists every term
of a rule with what in the article satisfied it.
"""

from __future__ import annotations

from services.notify.rules.facts import Facts
from services.notify.rules.query import And, Node, Not, Term
from services.notify.rules.stemmer import article_keyword_key
from shared.models import Mention, TermEvidence

MAX_MENTIONS = 3


def phrase_mentions(term: Term, facts: Facts, limit: int = MAX_MENTIONS) -> list[Mention]:
    """Find where the phrase of ``term`` occurs, as mentions (at most ``limit``)."""
    found: list[Mention] = []
    n = len(term.words)
    first = term.words[0]
    for passage in facts.passages:
        words = passage.words
        for i in range(len(words) - n + 1):
            if words[i] == first and words[i : i + n] == term.words:
                start, end = passage.tokens[i].start, passage.tokens[i + n - 1].end
                found.append(Mention(field=passage.field, start=start, end=end, text=passage.text[start:end]))
                if len(found) >= limit:
                    return found
    return found


def term_holds(term: Term, facts: Facts) -> bool:
    """Tell whether one term holds for an article."""
    if facts.keys.isdisjoint(term.keys):
        return False
    return term.kind != "phrase" or bool(phrase_mentions(term, facts, limit=1))


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
    found: list[Mention] = []
    wanted = set(term.keys)
    for passage in facts.passages:
        for tok in passage.tokens:
            if article_keyword_key(tok.folded, facts.lang) in wanted:
                found.append(
                    Mention(field=passage.field, start=tok.start, end=tok.end, text=passage.text[tok.start : tok.end])
                )
                if len(found) >= MAX_MENTIONS:
                    return found
    return found


def evidence(term: Term, facts: Facts, negated: bool = False) -> TermEvidence:
    """Say whether ``term`` held and what in the article supports it."""
    mentions: list[Mention] = []
    if term.kind == "actor":
        mentions = [m for actor in facts.actors.get(term.keys[0], ()) for m in actor.mentions]
    elif term.kind == "topic" and term.keys[0] in facts.topics:
        mentions = list(facts.topics[term.keys[0]].mentions)
    elif term.kind == "keyword":
        mentions = _keyword_mentions(term, facts)
    elif term.kind == "phrase" and not facts.keys.isdisjoint(term.keys):
        mentions = phrase_mentions(term, facts)
    return TermEvidence(
        term=term.text,
        kind=term.kind,
        ref=term.ref,
        held=term_holds(term, facts),
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
