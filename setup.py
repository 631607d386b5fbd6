"""Build hook: compile the tagger's hot modules with mypyc; everything else about the package is in pyproject.toml.

The modules are listed once, in pyproject.toml's ``[tool.newsalert] compiled``. The install is pure Python when
``NEWSALERT_PURE_PYTHON`` is set (to anything but ``0``) or when the C compiler fails; mypy type errors in the
listed modules still fail the build, since they are a code problem, not a machine one.
"""

from __future__ import annotations

import os
import sys
import tomllib
import warnings
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import BaseError, CCompilerError

GROUP = "newsalert_compiled"
"""Names the shared library holding the compiled code, ``newsalert_compiled__mypyc.*.so``, at the top of the tree
(mypyc derives the modules' ``__file__`` from it, assuming it sits above the packages)."""

MYPY_OPTIONS = [
    # No config file: pyproject's [tool.mypy] loads the pydantic plugin, absent from pip's isolated build env.
    "--config-file=",
    # The same types whether or not runtime packages happen to be importable from the build env.
    "--no-site-packages",
    "--ignore-missing-imports",
    "--strict",
    # Strict checks that only fire because pydantic and friends are missing here; `make typecheck` runs them all.
    "--allow-subclassing-any",
    "--allow-untyped-decorators",
    "--no-warn-return-any",
]


def compiled_modules() -> list[str]:
    """The source files listed for compilation in pyproject.toml."""
    with (Path(__file__).parent / "pyproject.toml").open("rb") as f:
        modules: list[str] = tomllib.load(f)["tool"]["newsalert"]["compiled"]
    return modules


def pure_python() -> bool:
    """Whether the installer asked for no extension at all."""
    return os.environ.get("NEWSALERT_PURE_PYTHON", "") not in ("", "0")


def say(message: str) -> None:
    """One line in the build log, which pip shows with -v only."""
    print(f"newsalert: {message}", file=sys.stderr, flush=True)


def warn(message: str) -> None:
    """A warning pip shows even with --quiet (pip relays a local build's UserWarnings)."""
    warnings.warn(f"newsalert: {message}", UserWarning, stacklevel=2)


def remove_in_place_builds(sources: list[str]) -> None:
    """Delete the extensions an earlier editable install left beside the sources: they would shadow the .py files."""
    stems = [Path(s).with_suffix("") for s in sources] + [Path(f"{GROUP}__mypyc")]
    for stem in stems:
        for suffix in EXTENSION_SUFFIXES:
            stem.with_name(stem.name + suffix).unlink(missing_ok=True)


class BuildExtOrFallBack(build_ext):
    """build_ext that always recompiles and, if the C compiler fails, leaves a pure-Python install."""

    def initialize_options(self) -> None:
        super().initialize_options()
        # The C mypyc writes may not change with the .py (a comment edit), and a skipped build would leave a .so
        # older than its source, which tests/test_compiled.py reports as stale.
        self.force = True

    def build_extensions(self) -> None:
        try:
            super().build_extensions()
        except (CCompilerError, BaseError) as error:
            warn(f"C compilation failed, so installing pure Python (correct, but slower); the error: {error}")
            for extension in self.extensions:
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            self.extensions = []
            remove_in_place_builds(compiled_modules())


def extensions() -> list[Extension]:
    """The mypyc extensions to build, or none for a pure-Python install."""
    sources = compiled_modules()
    if pure_python():
        warn("NEWSALERT_PURE_PYTHON is set; installing pure Python, without mypyc extensions")
        remove_in_place_builds(sources)
        return []
    from mypyc.build import mypycify

    say(f"compiling {len(sources)} modules with mypyc")
    return mypycify([*MYPY_OPTIONS, *sources], group_name=GROUP)


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExtOrFallBack})
