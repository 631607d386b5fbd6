"""Dead letters: what a stage keeps of an entry it gives up on, and the one-line reason it gives."""

from __future__ import annotations

import base64

from pydantic import ValidationError

from shared.commit import DATA_FIELD
from shared.errors import InputError
from shared.models import DeadLetter

DEAD_DOC = "Entries a stage gave up on: origin, reason, deliveries and the whole payload."
MAX_ERROR_CHARS = 500
MAX_DEAD_PAYLOAD_BYTES = 1 << 20


def reason_of(exc: BaseException) -> str:
    """One line naming what failed: the fields of a validation error, else the exception."""
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in exc.errors())
    elif isinstance(exc, InputError):
        text = str(exc)
    else:
        text = f"{exc.__class__.__name__}: {exc}"
    text = " ".join(text.split())
    return text[:MAX_ERROR_CHARS]


def raw_payload(fields: dict[bytes, bytes]) -> bytes:
    """The bytes to keep in a dead letter: the data field, or every field when there is none."""
    if DATA_FIELD in fields:
        return fields[DATA_FIELD]
    return b"\n".join(k + b"=" + v for k, v in fields.items())


def dead_letter(
    stream: str, group: str, entry_id: bytes, fields: dict[bytes, bytes], *, reason: str, count: int
) -> DeadLetter:
    """The dead letter of an entry; a payload over the cap is cut (it could never be retried whole)."""
    payload = raw_payload(fields)
    if len(payload) > MAX_DEAD_PAYLOAD_BYTES:
        reason = f"{reason} (payload of {len(payload)} bytes cut to {MAX_DEAD_PAYLOAD_BYTES})"
        payload = payload[:MAX_DEAD_PAYLOAD_BYTES]
    return DeadLetter(
        origin_stream=stream,
        origin_id=entry_id.decode(),
        group=group,
        reason=reason[:MAX_ERROR_CHARS],
        deliveries=count,
        payload_b64=base64.b64encode(payload).decode(),
    )
