"""Read vocabulary data files, validate every entry and name the file, entry and field at fault."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared.errors import ConfigError
from shared.vocabulary.countries import country_records
from shared.vocabulary.entry import Entry

BUILTIN_FILES = ("countries.yaml", "organisations.yaml", "people.yaml", "topics.yaml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGED = ("aliases", "affiliations", "weak", "context", "demonyms", "prefixes", "not_after", "not_before")


def _read(path: Path | str, text: str) -> Any:
    try:
        if str(path).endswith(".json"):
            import json

            return json.loads(text)
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, the C one when built
    except (ValueError, yaml.YAMLError) as e:
        raise ConfigError(f"vocabulary file {path}: not valid YAML/JSON: {e}") from e


def _records(path: Path | str, data: Any) -> list[Any]:
    if isinstance(data, Mapping) and "members" in data:
        try:
            return country_records(data)
        except ValueError as e:
            raise ConfigError(f"vocabulary file {path}: {e}") from e
    if isinstance(data, Mapping) and isinstance(data.get("entries"), list):
        return list(data["entries"])
    raise ConfigError(f"vocabulary file {path}: expected a mapping with an 'entries' list")


def _validate(path: Path | str, records: Iterable[Any]) -> list[Entry]:
    entries = []
    for position, record in enumerate(records, start=1):
        label = record.get("id", f"#{position}") if isinstance(record, Mapping) else f"#{position}"
        try:
            entries.append(Entry.model_validate(record))
        except ValidationError as e:
            problems = "; ".join(
                f"field {'.'.join(str(p) for p in err['loc']) or '(entry)'}: {err['msg']}" for err in e.errors()
            )
            raise ConfigError(f"vocabulary file {path}: entry {label}: {problems}") from e
    return entries


def read_file(path: Path | str, text: str) -> list[Entry]:
    """Parse and validate one vocabulary file's text; ``path`` only names it in errors."""
    return _validate(path, _records(path, _read(path, text)))


def builtin_entries() -> list[Entry]:
    """Return the entries shipped in the package's data files."""
    entries: list[Entry] = []
    data = resources.files("shared.vocabulary") / "data"
    for name in BUILTIN_FILES:
        entries += read_file(f"shared/vocabulary/data/{name}", (data / name).read_text(encoding="utf-8"))
    return entries


def user_entries(paths: Sequence[Path]) -> list[tuple[Path, Entry]]:
    """Read users' own vocabulary files, each entry paired with the file it came from."""
    found: list[tuple[Path, Entry]] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"vocabulary file {path}: cannot read it: {e}") from e
        found += [(path, entry) for entry in read_file(path, text)]
    return found


def merge(base: Entry, extra: Entry, origin: Path | str) -> Entry:
    """Add a user entry's aliases and rules to a built-in entry of the same id."""
    if extra.kind != base.kind:
        raise ConfigError(
            f"vocabulary file {origin}: entry {extra.id}: field kind: {extra.kind!r} but the built-in "
            f"entry is a {base.kind!r}"
        )
    update: dict[str, Any] = {
        name: tuple(dict.fromkeys((*getattr(base, name), *getattr(extra, name)))) for name in _MERGED
    }
    update["local"] = {**base.local, **extra.local}
    update["cues"] = (*base.cues, *extra.cues)
    return base.model_copy(update=update)
