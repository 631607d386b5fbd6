"""The shape of a vocabulary entry, validated when a data file is loaded."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EntryKind = Literal["country", "organisation", "armed_group", "person", "company", "topic"]
ACTOR_KINDS: frozenset[str] = frozenset({"country", "organisation", "armed_group", "person", "company"})
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

_BRACES = re.compile(r"\{([^{}]*)\}")


def expand(phrase: str) -> list[str]:
    """Expand brace alternatives: ``malien{,ne,s,nes}`` gives the four forms."""
    match = _BRACES.search(phrase)
    if match is None:
        return [phrase]
    head, tail = phrase[: match.start()], phrase[match.end() :]
    return [form for option in match.group(1).split(",") for form in expand(head + option + tail)]


def _expanded(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if not value.strip():
            raise ValueError("empty phrase")
        for form in expand(value.strip()):
            seen[form] = None
    return tuple(seen)


class Frozen(BaseModel):
    """Base of the vocabulary models: immutable and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Cue(Frozen):
    """Words that signal a topic, with the context that confirms or vetoes them."""

    phrases: tuple[str, ...] = Field(min_length=1)
    lang: str | None = None
    weight: float = Field(default=1.0, gt=0, le=3)
    confirm: tuple[str, ...] = ()
    veto: tuple[str, ...] = ()
    veto_before: tuple[str, ...] = ()
    veto_after: tuple[str, ...] = ()
    confirm_actor: bool = False

    @field_validator("phrases", "confirm", "veto", "veto_before", "veto_after")
    @classmethod
    def _expand(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _expanded(values)


class Entry(Frozen):
    """An actor or a topic, with every way news writes it."""

    id: str = Field(pattern=SLUG, max_length=80)
    name: str = Field(min_length=1)
    kind: EntryKind
    wikidata: str | None = Field(default=None, pattern=r"^Q[0-9]+$")
    iptc: str | None = Field(default=None, pattern=r"^medtop:[0-9]{8}$")
    aliases: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    """Aliases that stand for this entry only with support: the full name of the same person
    in the article, or one of ``context`` nearby for other kinds."""
    context: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    """Combining forms used only before a hyphen: ``russo`` in russo-burkinabè."""
    given_names: tuple[str, ...] = ()
    """Aliases that are also first names: not this entry when a capitalised name follows."""
    not_after: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()
    local: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Aliases valid only in articles of one language (CLDR names in other languages)."""
    cues: tuple[Cue, ...] = ()

    @field_validator("aliases", "weak", "context", "demonyms", "prefixes", "given_names", "not_after", "not_before")
    @classmethod
    def _expand(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _expanded(values)

    @field_validator("affiliations")
    @classmethod
    def _slugs(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not re.match(SLUG, value):
                raise ValueError(f"affiliation {value!r} is not an entry id")
        return values

    @property
    def is_actor(self) -> bool:
        """Whether this entry names an actor rather than a topic."""
        return self.kind in ACTOR_KINDS
