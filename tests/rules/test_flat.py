"""The shortcut for common queries compiles exactly what the general compiler does, or steps aside."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notify.rules.flat import Shortcut
from services.notify.rules.index import plan
from services.notify.rules.query import Compiler
from shared.errors import QueryError
from shared.vocabulary import default_vocabulary

CHUNKS = (
    "actor:mali",
    "actor:russia",
    "topic:coup",
    "word:uranium",
    "lang:fr",
    "source:lemonde.fr",
    "Burkina",
    "Faso",
    "Russia",
    "summit",
    "criquets",
    "l'AES",
    "Guinée-Bissau",
    "AND",
    "and",
    "+",
    "&",
    "OR",
    "|",
    "NOT",
    "(",
    ")",
    "-Mali",
    "-actor:france",
    "-(",
    "actor:nowhere",
    "pays:niger",
    '"ordre du jour"',
)
_COMPILER = Compiler(default_vocabulary())
_SHORTCUT = Shortcut(_COMPILER.cached)


def general(text: str) -> object:
    try:
        return _COMPILER.compile(text, shortcut=False).root
    except QueryError as e:
        return e


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(CHUNKS), min_size=1, max_size=9), st.sampled_from([" ", "  ", " ( "]))
def test_shortcut_agrees_with_the_general_compiler(chunks: list[str], glue: str) -> None:
    text = " ".join(chunks) if glue != " ( " else glue.join(chunks[:2]) + " " + " ".join(chunks[2:])
    expected = general(text)  # also warms the atom cache the shortcut reads
    found = _SHORTCUT.compile(text)
    if found is not None:
        assert not isinstance(expected, QueryError), text
        assert found[0] == expected, text
        flat = plan(found[0])
        assert (found[2] is None) == (flat is None), text
        if found[2] is not None and flat is not None:
            assert found[2] == (flat.required, flat.forbidden), text


def test_shortcut_takes_the_common_shapes_once_atoms_are_known() -> None:
    for text in ("actor:mali (topic:coup OR word:uranium) -actor:france", "Burkina Faso summit + lang:fr"):
        general(text)
        found = _SHORTCUT.compile(text)
        assert found is not None
        assert found[0] == general(text)
