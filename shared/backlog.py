"""What is queued where: stream lengths, pending entries, consumer lag and dead letters."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.exceptions import ResponseError

from shared.streams import STAGES, STREAM_MAXLEN, dead


class StreamStatus(BaseModel):
    """The state of one consumed stream."""

    stream: str
    group: str
    length: int
    pending: int
    lag: int | None
    dead: int
    near_cap: bool


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def stream_status(client: aioredis.Redis, stream: str, group: str) -> StreamStatus:
    """Report one stream: length, the group's pending count and lag, its dead-letter count."""
    length = await client.xlen(stream)
    pending, lag = 0, None
    try:
        for info in await client.xinfo_groups(stream):
            if _text(info["name"]) == group:
                pending = int(info["pending"])
                lag = None if info.get("lag") is None else int(info["lag"])
    except ResponseError:
        pass  # the stream does not exist yet
    dead_count = await client.xlen(dead(stream))
    return StreamStatus(
        stream=stream,
        group=group,
        length=length,
        pending=pending,
        lag=lag,
        dead=dead_count,
        near_cap=(lag or 0) > STREAM_MAXLEN * 0.8,
    )


async def pipeline_status(client: aioredis.Redis) -> list[StreamStatus]:
    """Report every stream of the pipeline, in pipeline order."""
    return [await stream_status(client, stream, group) for stream, group in STAGES]
