"""The modules pyproject.toml lists for mypyc run compiled, never from a build older than their source,
and tag as their pure-Python source does."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tomllib
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path
from types import ModuleType

import pytest

from bench._tagging_articles import ENGLISH, ENGLISH_TITLE, FRENCH, FRENCH_TITLE
from services.classify.tagger import tag
from shared.models import Article
from tests.classify.corpus import load

ROOT = Path(__file__).resolve().parents[1]
SOURCES: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["newsalert"]["compiled"]
PURE_PYTHON = os.environ.get("NEWSALERT_PURE_PYTHON", "") not in ("", "0")
ARTICLES = [
    Article(id="c0111ed0f1", title=FRENCH_TITLE, text=FRENCH),
    Article(id="c0111ed0e2", title=ENGLISH_TITLE, text=ENGLISH),
    # every labelled article, traps included, and each with its case flattened (the case rules' other path)
    *(labelled.article for lang in ("fr", "en") for labelled in load(lang)),
    *(
        labelled.article.model_copy(
            update={"title": labelled.article.title.upper(), "text": labelled.article.text.lower()}
        )
        for lang in ("fr", "en")
        for labelled in load(lang)
    ),
]

# Runs in a child interpreter whose finder for services/classify/ loads .py files only, so the same
# articles are tagged by the source while this process runs the compiled modules.
PURE_TAGGER = """
import json, sys
from importlib.machinery import FileFinder, SourceFileLoader, SOURCE_SUFFIXES
from pathlib import Path

classify = Path(sys.argv[1]).resolve()

def source_only(path):
    if Path(path).resolve() != classify:
        raise ImportError(path)
    return FileFinder(path, (SourceFileLoader, SOURCE_SUFFIXES))

sys.path_hooks.insert(0, source_only)
sys.path_importer_cache.clear()

from services.classify import tagger
from shared.models import Article

assert tagger.__file__.endswith(".py"), tagger.__file__
articles = [Article.model_validate(a) for a in json.loads(sys.stdin.read())]
print(json.dumps([repr(tagger.tag(a)) for a in articles]))
"""


def module(source: str) -> ModuleType:
    """The imported module of a listed source file."""
    return importlib.import_module(source.removesuffix(".py").replace("/", "."))


def is_extension(path: str | None) -> bool:
    """Whether ``path`` is a compiled extension module."""
    return path is not None and path.endswith(tuple(EXTENSION_SUFFIXES))


@pytest.mark.parametrize("source", SOURCES)
def test_each_listed_module_runs_compiled_unless_pure_python_is_asked(source: str) -> None:
    path = module(source).__file__
    if PURE_PYTHON:
        assert not is_extension(path), f"NEWSALERT_PURE_PYTHON is set but {path} is compiled: run `make install`"
    else:
        assert is_extension(path), (
            f"{source} runs from {path}, not from a mypyc build: run `make install` "
            "(or set NEWSALERT_PURE_PYTHON=1 for a pure-Python install)"
        )


def built_beside(source: Path) -> list[Path]:
    """The extension files an editable install left for ``source``: its own and the group's shared library."""
    candidates = [*source.parent.glob(f"{source.stem}.*"), *ROOT.glob("*__mypyc.*")]
    return [p for p in candidates if is_extension(str(p))]


@pytest.mark.parametrize("source", SOURCES)
def test_no_compiled_module_is_older_than_its_source(source: str) -> None:
    # Found beside the source rather than through __file__, which mypyc derives rather than records.
    built = built_beside(ROOT / source)
    if not built:
        pytest.skip(f"no extension beside {source}")
    edited = (ROOT / source).stat().st_mtime
    stale = [p.name for p in built if p.stat().st_mtime < edited]
    assert not stale, (
        f"{', '.join(stale)} built before {source} was last edited; the tests would run old code: run `make install`"
    )


def test_compiled_modules_tag_as_their_source_does() -> None:
    if not is_extension(module(SOURCES[-1]).__file__):
        pytest.skip("the tagger runs as pure Python")
    payload = json.dumps([a.model_dump(mode="json") for a in ARTICLES])
    pure = subprocess.run(
        [sys.executable, "-c", PURE_TAGGER, str(ROOT / "services" / "classify")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    compiled = [repr(tag(a)) for a in ARTICLES]
    assert json.loads(pure.stdout) == compiled
    assert sum("'salience'" in tags for tags in compiled) > len(ARTICLES) // 2  # the comparison saw real tags
