"""Reading the compose file, .env.example and the settings classes the way compose and the services do."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
COMPOSE_DEV = ROOT / "docker-compose.dev.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("ingest", "classify", "notify")

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
_ENV_LINE = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def load(path: Path = COMPOSE) -> dict[str, Any]:
    """The compose file as YAML data, anchors and merge keys resolved (before interpolation)."""
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def interpolate(value: str, env: dict[str, str]) -> str:
    """Expand ``${VAR}``, ``${VAR:-default}``, ``${VAR:?error}`` and ``$$`` as compose does."""

    def expand(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = env.get(name)
        if op in (":-", "-") and (current is None or (op == ":-" and current == "")):
            return str(arg)
        if op in (":?", "?") and (current is None or (op == ":?" and current == "")):
            raise KeyError(f"{name}: {arg}")
        return current or ""

    return _VARIABLE.sub(expand, value)


def env_lines(path: Path = ENV_EXAMPLE) -> list[tuple[int, str, str, bool]]:
    """Every ``NAME=value`` line of an env file: (line number, name, value, commented out)."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _ENV_LINE.match(line.strip())
        if match:
            found.append((number, match["name"], match["value"], match["comment"] is not None))
    return found


def env_values(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """The active (not commented) assignments of an env file, as compose's env_file reads them."""
    return {name: value for _, name, value, commented in env_lines(path) if not commented}


@functools.cache
def settings_classes() -> list[type[BaseSettings]]:
    """Every pydantic-settings class defined in the shared and services packages."""
    found: dict[str, type[BaseSettings]] = {}
    for package_name in ("shared", "services"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            module = importlib.import_module(info.name)
            for _, obj in inspect.getmembers(module, inspect.isclass):
                if issubclass(obj, BaseSettings) and obj is not BaseSettings and obj.__module__ == module.__name__:
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[key] for key in sorted(found)]


def env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """The environment variable of each field of ``cls``: variable name -> field name."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names = {}
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        names[(alias or prefix + field_name).upper()] = field_name
    return names


def duration_s(value: str) -> float:
    """A compose duration (``30s``, ``1m30s``, ``500ms``) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise ValueError(f"not a duration: {value}")
    return sum(float(n) * units[u] for n, u in parts)
