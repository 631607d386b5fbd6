"""Fixtures of the classify tests: the full vocabulary, loaded once."""

from __future__ import annotations

import pytest

from shared.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The built-in vocabulary, as the service loads it."""
    return default_vocabulary()
