"""Subscriptions declared in the YAML config (`subscriptions:`), upserted by name at start."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr, ValidationError

from services.notify.rules.admission import admission
from services.notify.rules.query import Compiler
from services.notify.rules.store import Check, SubscriptionStore
from services.notify.rules.subscriptions import Subscription, new_id
from shared.errors import InputError, QueryError
from shared.vocabulary import Vocabulary, default_vocabulary

KEYS = frozenset(
    {"name", "query", "notify", "enabled", "delivery", "digest_every", "digest_at", "timezone", "quiet_hours"}
)
REQUIRED = ("name", "query", "notify")


def _label(entry: Any, position: int) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"subscription {name!r}" if isinstance(name, str) and name.strip() else f"subscription #{position}"


def _fields(entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError("entry: must be a mapping with name, query and notify")
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise InputError(f"field {unknown[0]}: unknown (known: {', '.join(sorted(KEYS))})")
    for key in REQUIRED:
        if not entry.get(key):
            raise InputError(f"field {key}: missing")
    notify = entry["notify"]
    targets = [notify] if isinstance(notify, str) else notify
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise InputError("field notify: must be a target or a list of targets")
    fields = {k: v for k, v in entry.items() if k != "notify"}
    fields["targets"] = tuple(SecretStr(t) for t in targets)
    return fields


async def upsert_one(store: SubscriptionStore, entry: Any, check: Check) -> Subscription:
    """Create or update the subscription ``entry`` names; InputError names the field at fault."""
    fields = _fields(entry)
    existing = await store.get_by_name(str(fields["name"]).strip())
    try:
        sub = Subscription(id=existing.id if existing else new_id(), **fields)
    except ValidationError as e:
        first = e.errors()[0]
        raise InputError(f"field {'.'.join(map(str, first['loc']))}: {first['msg']}") from e
    try:
        check(sub)
        return await store.save(sub)
    except QueryError as e:
        raise InputError(f"field query: {e}") from e
    except InputError as e:
        field = "notify" if "target" in str(e) else "name"
        raise InputError(f"field {field}: {e}") from e


async def upsert_subscriptions(
    store: SubscriptionStore, entries: list[Any], vocabulary: Vocabulary | None = None
) -> list[str]:
    """Upsert every entry by name; return one readable error per bad entry (the good ones are saved).

    Queries and targets are checked whether or not ``store`` has a check of its own.
    """
    check = admission(Compiler(vocabulary or default_vocabulary()))
    errors = []
    for position, entry in enumerate(entries, start=1):
        try:
            await upsert_one(store, entry, check)
        except InputError as e:
            errors.append(f"{_label(entry, position)}: {e}")
    return errors
