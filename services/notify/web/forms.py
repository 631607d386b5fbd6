"""Reading posted forms: size-capped URL-encoded bodies, and the rule form turned into a subscription."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request
from pydantic import SecretStr, ValidationError

from services.notify.rules.subscriptions import Subscription, new_id
from shared.errors import InputError

MAX_FORM_BYTES = 64_000

Form = dict[str, list[str]]


async def read_form(request: Request) -> Form:
    """Parse an ``application/x-www-form-urlencoded`` body of at most :data:`MAX_FORM_BYTES`."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise InputError(f"form is larger than {MAX_FORM_BYTES} bytes")
    try:
        return parse_qs(body.decode(), keep_blank_values=True, max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"form is not readable: {e}") from e


def field(form: Form, name: str, default: str = "") -> str:
    """The first value of a form field."""
    values = form.get(name)
    return values[0] if values else default


@dataclass(frozen=True, slots=True)
class RuleForm:
    """What the rule editor posts."""

    name: str
    query: str
    keep: frozenset[str]
    added: tuple[str, ...]
    delivery: str
    timezone: str
    enabled: bool


def rule_form(form: Form) -> RuleForm:
    """Read the editor's fields (targets to keep are channel ids; new ones one per line)."""
    added = tuple(line.strip() for line in field(form, "new_targets").splitlines() if line.strip())
    return RuleForm(
        name=field(form, "name").strip(),
        query=field(form, "query"),
        keep=frozenset(form.get("keep", [])),
        added=added,
        delivery=field(form, "delivery", "instant"),
        timezone=field(form, "timezone", "UTC").strip() or "UTC",
        enabled=field(form, "enabled") == "on",
    )


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'rule'}: {e['msg']}" for e in exc.errors())


def subscription_of(rf: RuleForm, existing: Subscription | None) -> Subscription:
    """Build the subscription the form describes, keeping the chosen existing targets; InputError if invalid."""
    kept = [t for cid, t in (existing.channels() if existing else {}).items() if cid in rf.keep]
    targets = [SecretStr(t) for t in dict.fromkeys([*kept, *rf.added])]
    values = {
        "id": existing.id if existing else new_id(),
        "name": rf.name,
        "query": rf.query,
        "targets": tuple(targets),
        "enabled": rf.enabled,
        "delivery": rf.delivery,
        "timezone": rf.timezone,
    }
    if existing is not None:
        values = {**existing.model_dump(exclude={"targets"}), **values}
    try:
        return Subscription.model_validate(values)
    except ValidationError as e:
        raise InputError(_describe(e)) from e
