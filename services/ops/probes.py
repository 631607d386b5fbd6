"""Health, readiness and metrics endpoints: a router for notify, a small app for ingest and classify."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError

from services.ops.settings import OpsSettings
from shared.broker import group_exists
from shared.metrics import refresh_backlog, render
from shared.service import Runtime


def metrics_router(runtime: Runtime) -> APIRouter:
    """A router serving ``/metrics`` in the Prometheus text format, backlog read fresh from Redis."""
    router = APIRouter(tags=["ops"])

    @router.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics of this process and the pipeline's backlog."""
        await refresh_backlog(runtime.client)
        return Response(render(), media_type=CONTENT_TYPE_LATEST)

    return router


async def readiness(runtime: Runtime) -> str | None:
    """Return why this process is not ready (Redis, a consumer group, a stopped subscriber), or None."""
    try:
        await runtime.client.ping()
        for subscriber in runtime.broker.subscribers:
            sub = getattr(subscriber, "stream_sub", None)
            if sub is None or not sub.group:
                continue
            if not await group_exists(runtime.client, sub.name, sub.group):
                return f"consumer group {sub.group} missing on {sub.name}"
    except (RedisError, OSError) as exc:
        return f"redis: {exc.__class__.__name__}"
    stopped = [s for s in runtime.broker.subscribers if not s.running or any(t.done() for t in getattr(s, "tasks", ()))]
    if stopped:
        return f"{len(stopped)} subscriber(s) not running"
    return None


def probe_router(runtime: Runtime) -> APIRouter:
    """A router with ``/health`` (liveness) and ``/ready`` (readiness)."""
    router = APIRouter(tags=["ops"])

    @router.get("/health")
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/ready", response_model=None)
    async def ready() -> JSONResponse:
        """Readiness: Redis answers, our consumer groups exist, our subscribers run."""
        reason = await readiness(runtime)
        if reason is not None:
            return JSONResponse({"status": "unavailable", "reason": reason}, 503)
        return JSONResponse({"status": "ready"})

    return router


def probe_app(runtime: Runtime, service: str) -> FastAPI | None:
    """The HTTP app of ingest or classify (health, readiness, metrics), or None when probes are off."""
    if not OpsSettings().serve_probes:
        return None
    app = FastAPI(title=f"newsalert {service}", version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(probe_router(runtime))
    app.include_router(metrics_router(runtime))
    return app
