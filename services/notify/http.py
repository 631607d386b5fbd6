"""The HTTP server of the notify service: health, and the routers of every area."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from services.ingest.api import feeds_router
from services.notify.delivery.api import unsubscribe_router
from services.notify.delivery.settings import DeliverySettings
from services.notify.rules.api import rules_router
from services.notify.web import install_web
from services.ops.probes import metrics_router
from shared.broker import group_exists
from shared.service import Runtime
from shared.streams import STAGES


def create_http_app(runtime: Runtime) -> FastAPI:
    """Build the FastAPI app served by `newsalert notify` and `newsalert up`."""
    app = FastAPI(title="newsalert", version="0.1.0", summary="News alerts: watch rules, feeds, deliveries.")
    app.state.runtime = runtime

    @app.get("/health", tags=["ops"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"], response_model=None)
    async def ready() -> JSONResponse:
        """Readiness: Redis answers and every consumer group exists."""
        try:
            await runtime.client.ping()
            missing = [f"{s}/{g}" for s, g in STAGES if not await group_exists(runtime.client, s, g)]
        except Exception as exc:
            return JSONResponse({"status": "unavailable", "reason": f"redis: {exc.__class__.__name__}"}, 503)
        if missing:
            return JSONResponse({"status": "unavailable", "reason": f"missing groups: {missing}"}, 503)
        return JSONResponse({"status": "ready"})

    app.include_router(metrics_router(runtime))
    app.include_router(feeds_router())
    app.include_router(unsubscribe_router(DeliverySettings()))
    app.include_router(rules_router())
    install_web(app, runtime)
    return app
