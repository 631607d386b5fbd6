"""Country entries built from CLDR territory names (through babel) and hand-checked overrides."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from babel import Locale, UnknownLocaleError

from shared.vocabulary.folding import fold

_AND = {"en": "and", "fr": "et", "es": "y", "pt": "e", "de": "und", "it": "e", "nl": "en"}
_PAREN = re.compile(r"\s*\(([^)]*)\)\s*")


def slug(name: str) -> str:
    """Return the lowercase ASCII id of an English name (``Côte d’Ivoire`` gives ``cote-divoire``)."""
    folded = fold(name.replace("&", " and ")).replace("'", "")
    ascii_only = "".join(c if c.isascii() and c.isalnum() else " " for c in folded)
    return "-".join(ascii_only.split())


def name_forms(name: str, lang: str) -> list[str]:
    """Return the ways a CLDR name is written in text: with and without its parenthesis, with "and"."""
    forms = [name]
    inner = _PAREN.search(name)
    if inner:
        forms += [_PAREN.sub(" ", name).strip(), inner.group(1).strip()]
    forms += [form.replace(" - ", "-") for form in forms if " - " in form]
    if "&" in name and lang in _AND:
        forms += [form.replace("&", _AND[lang]) for form in forms]
    forms += [form.replace("St. ", "Saint ").replace("St ", "Saint ") for form in forms if "St" in form]
    return list(dict.fromkeys(form for form in forms if form))


def _names(code: str, languages: Iterable[str]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for lang in languages:
        try:
            territories = Locale.parse(lang).territories
        except (UnknownLocaleError, ValueError) as e:
            raise ValueError(f"CLDR has no locale {lang!r}") from e
        if code not in territories:
            raise ValueError(f"CLDR has no name for territory {code!r} in {lang!r}")
        names[lang] = name_forms(territories[code], lang)
    return names


def country_records(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Turn the countries data file into raw entry records, names filled from CLDR."""
    core = list(spec.get("core_languages", ["en", "fr"]))
    local_langs = [lang for lang in spec.get("languages", []) if lang not in core]
    overrides: Mapping[str, Mapping[str, Any]] = spec.get("overrides") or {}
    codes = [*spec.get("members", []), *spec.get("observers", []), *spec.get("others", [])]
    unknown = set(overrides) - set(codes)
    if unknown:
        raise ValueError(f"overrides for territories that are not listed: {sorted(unknown)}")
    records = []
    for code in codes:
        names = _names(code, [*core, *local_langs])
        extra = dict(overrides.get(code, {}))
        english = names["en"][0]
        core_aliases = [form for lang in core for form in names[lang]]
        core_keys = {fold(alias) for alias in core_aliases}
        local = {lang: [form for form in names[lang] if fold(form) not in core_keys] for lang in local_langs}
        record: dict[str, Any] = {
            "id": extra.pop("id", None) or slug(_PAREN.sub(" ", english).replace(" - ", " ")),
            "name": extra.pop("name", None) or _PAREN.sub(" ", english).strip(),
            "kind": "country",
            "aliases": [*core_aliases, *extra.pop("aliases", [])],
            "local": {lang: forms for lang, forms in local.items() if forms},
        }
        record.update(extra)
        records.append(record)
    return records
