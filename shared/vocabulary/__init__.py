"""The vocabulary of actors and topics, shared by classify and by the watch-rule compiler.

Data lives in ``data/*.yaml``; countries take their names from CLDR (babel) at load time.
Users add files through ``NEWSALERT_VOCABULARY_FILES`` (comma-separated paths).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.vocabulary.catalogue import Vocabulary
from shared.vocabulary.entry import ACTOR_KINDS, Cue, Entry, EntryKind
from shared.vocabulary.folding import Token, fold, tokens
from shared.vocabulary.loader import builtin_entries, merge, user_entries

__all__ = [
    "ACTOR_KINDS",
    "Cue",
    "Entry",
    "EntryKind",
    "Token",
    "Vocabulary",
    "VocabularySettings",
    "default_vocabulary",
    "fold",
    "load_vocabulary",
    "tokens",
]


class VocabularySettings(BaseSettings):
    """Where users' own vocabulary files are: ``NEWSALERT_VOCABULARY_FILES=a.yaml,b.yaml``."""

    model_config = SettingsConfigDict(env_prefix="NEWSALERT_", extra="ignore")

    vocabulary_files: str = ""

    @property
    def paths(self) -> tuple[Path, ...]:
        """The configured files as paths, blanks dropped."""
        return tuple(Path(part.strip()) for part in self.vocabulary_files.split(",") if part.strip())


def load_vocabulary(extra_files: Sequence[Path] = ()) -> Vocabulary:
    """Load the built-in vocabulary plus ``extra_files``; raise ConfigError naming what is wrong."""
    entries = {entry.id: entry for entry in builtin_entries()}
    for origin, entry in user_entries(extra_files):
        entries[entry.id] = merge(entries[entry.id], entry, origin) if entry.id in entries else entry
    return Vocabulary(entries.values())


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The vocabulary with the files named by ``NEWSALERT_VOCABULARY_FILES``, loaded once."""
    return load_vocabulary(VocabularySettings().paths)
