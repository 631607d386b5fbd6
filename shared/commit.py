"""The atomic end of handling one stream entry: outputs + idempotency mark + XACK, or a dead letter.

Both are Lua scripts queued into one MULTI per batch (the outputs of a whole batch in one
call, entry after entry), so Redis decides who wins when two consumers hold the same entry:
outputs are written only by the consumer whose ``SET NX`` creates the idempotency mark, and
a dead letter only by the consumer whose XACK removed the entry from the pending list.
Entries are encoded exactly as FastStream publishes them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from struct import pack, unpack_from

from faststream.redis.parser.binary import BinaryMessageFormatV1
from redis.asyncio.client import Pipeline

from shared.models import Contract

DATA_FIELD = b"__data__"

_OUTPUTS = """
local group, ttl, maxlen = ARGV[1], ARGV[2], ARGV[3]
local won, key, arg = {}, 2, 4
while arg <= #ARGV do
  local count = tonumber(ARGV[arg + 1])
  redis.call('XACK', KEYS[1], group, ARGV[arg])
  local fresh = redis.call('SET', KEYS[key], '1', 'NX', 'EX', ttl)
  if fresh then
    for i = 1, count do
      redis.call('XADD', KEYS[key + i], 'MAXLEN', '~', maxlen, '*', '__data__', ARGV[arg + 1 + i])
    end
  end
  won[#won + 1] = fresh and 1 or 0
  key, arg = key + 1 + count, arg + 2 + count
end
return won
"""
"""KEYS: the input stream, then per entry its done key and its output streams.
ARGV: group, done TTL, MAXLEN, then per entry its id, its output count and its outputs."""

_DEAD = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', '__data__', ARGV[4])
return 1
"""


def frame(body: bytes, correlation_id: str) -> bytes:
    """The bytes FastStream's binary format (v1) gives ``body`` with these two headers.

    Written out here because FastStream's own encoder is a coroutine doing fifteen small
    writes: a fifth of a stage's per-entry cost. A test holds the two byte for byte equal.
    """
    headers = b"".join(
        pack(">H", len(part)) + part
        for part in (b"correlation_id", correlation_id.encode(), b"content-type", b"application/json")
    )
    headers_start = len(BinaryMessageFormatV1.IDENTITY_HEADER) + 2 + 8
    data_start = headers_start + 2 + len(headers)
    return b"".join(
        (BinaryMessageFormatV1.IDENTITY_HEADER, pack(">HIIH", 1, headers_start, data_start, 2), headers, body)
    )


_V1_PREFIX = BinaryMessageFormatV1.IDENTITY_HEADER + pack(">H", 1)
_V1_HEADERS_START = len(_V1_PREFIX) + 8


def unframe(raw: bytes) -> bytes:
    """The body of a stream entry's data field: what FastStream's parser gives, read from the frame's offsets.

    FastStream's parser reads every header through a Python reader (about 14 µs an entry); a stage
    needs only the body. Anything but a well-formed v1 frame goes to FastStream's parser, which
    also reads its legacy JSON envelope and raw payloads.
    """
    if len(raw) >= _V1_HEADERS_START + 2 and raw.startswith(_V1_PREFIX):
        headers_start, data_start = unpack_from(">II", raw, len(_V1_PREFIX))
        if headers_start == _V1_HEADERS_START and _headers_end(raw, headers_start) == data_start:
            return raw[data_start:]
    body, _headers = BinaryMessageFormatV1.parse(raw)
    return body


def _headers_end(raw: bytes, at: int) -> int | None:
    """Where the header section starting at ``at`` ends, or None unless every header reads as FastStream
    reads it (a two-byte length, then that many bytes of UTF-8, for each key and value)."""
    (count,) = unpack_from(">H", raw, at)
    at += 2
    for _ in range(2 * count):
        if at + 2 > len(raw):
            return None
        (size,) = unpack_from(">H", raw, at)
        at += 2
        if at + size > len(raw):
            return None
        try:
            raw[at : at + size].decode()
        except UnicodeDecodeError:
            return None
        at += size
    return at


def correlation_id() -> str:
    """A fresh correlation id: 32 random hex digits, the form of FastStream's ``uuid4().hex``."""
    return os.urandom(16).hex()


@dataclass(frozen=True, slots=True)
class Encoded:
    """A payload its producer encoded itself: exactly the JSON that a ``contract`` model would write.

    For a hot path where building the models only to serialise them costs more than the work
    itself (classify's tagged articles, with every mention of every tag); the producer's tests
    prove its bytes equal the model's own.
    """

    contract: type[Contract]
    json: bytes


def encode_entry(payload: Contract | Encoded) -> bytes:
    """Encode a payload as the ``__data__`` field FastStream would write for it."""
    if isinstance(payload, Encoded):
        return frame(payload.json, correlation_id())
    # the serializer's bytes as they are: model_dump_json() decodes them to a str we would encode back
    return frame(payload.__pydantic_serializer__.to_json(payload), correlation_id())


class Committer:
    """Queues the commit scripts of one stage into a transaction pipeline.

    The scripts go as EVAL with their text, not EVALSHA: redis-py checks a pipeline's
    registered scripts with a SCRIPT EXISTS round trip before every execute, and a script
    cache flushed or lost with a restart needs no handling (Valkey caches them by digest).
    """

    def __init__(self, stream: str, group: str) -> None:
        self.stream = stream
        self.group = group

    def outputs(
        self,
        pipe: Pipeline,
        commits: Sequence[tuple[bytes, str, Sequence[tuple[str, Contract | Encoded]]]],
        *,
        ttl_s: int,
        maxlen: int,
    ) -> None:
        """Queue one script: per (entry id, done key, outputs), XACK the entry and, if its done key is
        newly set, XADD its outputs; the reply lists 1 (this consumer won) or 0 per entry, in order."""
        keys: list[str] = [self.stream]
        args: list[bytes | str | int] = [self.group, ttl_s, maxlen]
        for entry_id, done, outputs in commits:
            keys.append(done)
            keys.extend(stream for stream, _ in outputs)
            args.extend((entry_id, len(outputs)))
            args.extend(encode_entry(payload) for _, payload in outputs)
        pipe.eval(_OUTPUTS, len(keys), *keys, *args)

    def dead_letter(self, pipe: Pipeline, entry_id: bytes, dead_stream: str, letter: Contract, maxlen: int) -> None:
        """Queue: XACK the entry and, only if that removed it, XADD the dead letter (reply 1, else 0)."""
        pipe.eval(_DEAD, 2, self.stream, dead_stream, self.group, entry_id, maxlen, encode_entry(letter))
