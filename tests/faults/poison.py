"""Poison entries for every stream: not the payload format, missing fields, unknown schema version, 10 MB."""

from __future__ import annotations

import json
import uuid

import redis.asyncio as aioredis
from faststream.redis.parser.binary import BinaryMessageFormatV1

HUGE_BYTES = 10 * 1024 * 1024


async def envelope(document: object) -> bytes:
    """Wrap a JSON document the way FastStream writes a stream entry."""
    return await BinaryMessageFormatV1.encode(
        message=json.dumps(document).encode(),
        reply_to=None,
        headers={"content-type": "application/json"},
        correlation_id=uuid.uuid4().hex,
    )


async def inject(client: aioredis.Redis, stream: str) -> set[str]:
    """Add the four kinds of poison to ``stream``; return their entry ids."""
    entries = [
        {b"body": b"<rss><channel><title>not our format</title></channel></rss>"},
        {b"__data__": await envelope({"schema_version": 1})},
        {b"__data__": await envelope({"schema_version": 99, "id": "0123456789abcdef", "title": "Avenir"})},
        {b"__data__": await envelope({"schema_version": 1, "title": "Énorme", "text": "x" * HUGE_BYTES})},
    ]
    ids = set()
    for fields in entries:
        entry_id = await client.xadd(stream, fields)  # type: ignore[arg-type]
        ids.add(entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id))
    return ids
