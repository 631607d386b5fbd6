"""FastAPI dependencies every router of the notify HTTP server uses to reach shared resources."""

from __future__ import annotations

import redis.asyncio as aioredis
from fastapi import Request
from faststream.redis import RedisBroker

from shared.service import Runtime


def get_runtime(request: Request) -> Runtime:
    """The running service's runtime (settings, broker, Redis client)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_client(request: Request) -> aioredis.Redis:
    """The Redis client of the running service."""
    return get_runtime(request).client


def get_broker(request: Request) -> RedisBroker:
    """The FastStream broker of the running service (to publish)."""
    return get_runtime(request).broker
