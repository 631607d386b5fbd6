"""Fixtures of the rules tests (Valkey comes from tests/conftest.py): the shipped vocabulary, a compiler."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import pytest

from services.notify.rules.query import Compiler
from shared.vocabulary import Vocabulary, default_vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    """The shipped vocabulary (the same one classify tags with)."""
    return default_vocabulary()


@pytest.fixture(scope="session")
def compiler(vocabulary: Vocabulary) -> Compiler:
    """A query compiler over the shipped vocabulary."""
    return Compiler(vocabulary)


async def eventually(predicate: Callable[[], bool], timeout_s: float = 2.0) -> float:
    """Poll ``predicate`` until it holds; return how long that took, fail after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with asyncio.timeout(timeout_s):
        for _ in itertools.count():
            if predicate():
                return loop.time() - started
            await asyncio.sleep(0.005)
    raise AssertionError("unreachable")
