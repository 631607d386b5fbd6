"""docs/rules.md: every example query compiles as written, every refusal listed is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.notify.rules.query import Compiler
from shared.errors import QueryError

DOC = Path(__file__).parents[2] / "docs" / "rules.md"


def examples() -> list[str]:
    blocks = re.findall(r"```rules\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def refusals() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Refusals")[1].split("\n## ")[0]
    rows = re.findall(r"^\| `([^`]+)`(?:, `([^`]+)`)? \|", section, re.MULTILINE)
    return [q for row in rows for q in row if q]


def test_the_doc_has_examples_and_refusals() -> None:
    assert len(examples()) >= 10
    assert "AES AND" in refusals()


@pytest.mark.parametrize("query", examples())
def test_documented_example_compiles(compiler: Compiler, query: str) -> None:
    assert compiler.compile(query).terms


@pytest.mark.parametrize("query", refusals())
def test_documented_refusal_is_refused(compiler: Compiler, query: str) -> None:
    with pytest.raises(QueryError):
        compiler.compile(query)
