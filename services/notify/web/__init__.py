"""The subscriber web page: rules, editor with live feedback and preview, alerts, feeds, articles; and API access.

:func:`install_web` mounts it on the notify HTTP app: pages, static files, and the access
gate that protects every page and API route (see :mod:`services.notify.web.access`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from services.notify.web import editor, login, monitor
from services.notify.web.access import FormRefused, Gate, Signer
from services.notify.web.render import language, page
from services.notify.web.settings import WebSettings, check_exposure
from services.notify.web.shelf import Shelf
from services.notify.web.wording import texts
from shared.service import Runtime

STATIC = Path(__file__).parent / "static"


async def _refused(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, FormRefused):
        raise exc
    message = texts(language(request))["error.csrf"] if exc.reason == "csrf" else exc.reason
    return page(request, "error.html.j2", exc.status, message=message)


def install_web(app: FastAPI, runtime: Runtime, settings: WebSettings | None = None) -> None:
    """Mount the page and the access gate on ``app``; refuse an open server on a non-loopback address."""
    settings = settings or WebSettings()
    check_exposure(runtime.settings.http_host, settings.token, runtime.settings.dev_mode)
    signer = Signer(settings.token, settings.session_max_age_s)
    app.state.web_settings = settings
    app.state.web_signer = signer
    app.state.web_shelf = Shelf(runtime.client, settings.backtest_articles)
    for module in (login, editor, monitor):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(FormRefused, _refused)
    app.middleware("http")(Gate(signer, login.login_page, runtime.settings.dev_mode))
