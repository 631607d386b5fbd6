"""Refusing to run with the placeholder secrets of ``.env.example`` outside dev mode."""

from __future__ import annotations

from collections.abc import Mapping

from shared.errors import ConfigError

PLACEHOLDER = "change-me"
"""The value ``.env.example`` gives every secret; an operator must replace each one."""
ENV_PREFIX = "NEWSALERT_"


def placeholder_variables(environ: Mapping[str, str]) -> list[str]:
    """The names of the NEWSALERT_* variables whose value still contains the placeholder."""
    return sorted(
        name for name, value in environ.items() if name.startswith(ENV_PREFIX) and PLACEHOLDER in value.lower()
    )


def refuse_placeholders(environ: Mapping[str, str], dev_mode: bool) -> None:
    """Raise :class:`ConfigError` naming (never showing) every placeholder secret, unless in dev mode."""
    names = placeholder_variables(environ)
    if names and not dev_mode:
        raise ConfigError(
            f"{', '.join(names)} still hold the placeholder {PLACEHOLDER!r} from .env.example: "
            "set real secrets (or NEWSALERT_DEV_MODE=true on a development machine)"
        )
