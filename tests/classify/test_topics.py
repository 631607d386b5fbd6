"""Where confirming actors sit, for cues that need one nearby ("sommet" next to a head of state)."""

from __future__ import annotations

import pytest

from services.classify.actors import Found
from services.classify.context import Field
from services.classify.patterns import Target, compiled
from services.classify.topics import ACTOR_RADIUS, ActorSpans
from shared.vocabulary import Vocabulary

R = ACTOR_RADIUS


@pytest.mark.parametrize(
    ("start", "end", "near"),
    [
        (100 + 6 + R - 1, 200, True),  # just after Mali (100..106), within the radius
        (100 + 6 + R, 200, False),
        (0, 100 - R + 1, True),  # just before it
        (0, 100 - R, False),
        (300, 310, False),  # near only the company, which does not confirm
        (103, 104, True),  # inside the span
    ],
)
def test_actor_near_a_span(vocabulary: Vocabulary, start: int, end: int, near: bool) -> None:
    patterns = compiled(vocabulary)
    text, title = Field("text", "x", patterns), Field("title", "x", patterns)
    mali = Target.of(vocabulary.entries["mali"], "alias", "Mali")
    orano = Target.of(vocabulary.entries["orano"], "alias", "Orano")
    spans = ActorSpans([Found(text, 100, 106, mali), Found(text, 305, 310, orano), Found(title, 500, 504, mali)])
    assert spans.near(text, start, end) is near
    assert spans.near(title, 500, 504) is True
    assert spans.near(title, 0, 10) is False
