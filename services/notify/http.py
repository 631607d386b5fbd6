"""The HTTP server of the notify service: health and readiness, metrics, and the routers of every area."""

from __future__ import annotations

from fastapi import FastAPI

from services.ingest.api import feeds_router
from services.notify.delivery.api import unsubscribe_router
from services.notify.delivery.settings import DeliverySettings
from services.notify.rules.api import rules_router
from services.notify.web import install_web
from services.ops.probes import metrics_router, probe_router
from shared.service import Runtime


def create_http_app(runtime: Runtime) -> FastAPI:
    """Build the FastAPI app served by `newsalert notify` and `newsalert up`."""
    app = FastAPI(title="newsalert", version="0.1.0", summary="News alerts: watch rules, feeds, deliveries.")
    app.state.runtime = runtime

    app.include_router(probe_router(runtime))
    app.include_router(metrics_router(runtime))
    app.include_router(feeds_router())
    app.include_router(unsubscribe_router(DeliverySettings()))
    app.include_router(rules_router())
    install_web(app, runtime)
    return app
