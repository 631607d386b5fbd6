"""Fixtures of the vocabulary tests."""

from __future__ import annotations

import pytest

from shared.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The built-in vocabulary."""
    return default_vocabulary()
