"""Rendering pages: one Jinja2 environment (autoescape always on), the language and CSRF of each request."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notify.web.access import Signer
from services.notify.web.wording import LANG_COOKIE, LANGS, Lang, negotiate, texts

TEMPLATES = Path(__file__).parent / "templates"
FLASH_KEYS = frozenset({"rules.saved", "rules.deleted", "feeds.added", "feeds.removed"})


def when(value: datetime | None) -> str:
    """Show a time in UTC to the minute, or a dash."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "–"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment; every ``{{ value }}`` is HTML-escaped."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    return env


def language(request: Request) -> Lang:
    """The interface language: ``?lang=``, else the language cookie, else Accept-Language."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return negotiate(request.headers.get("accept-language"), chosen)


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session ("" when the request has none, e.g. a bearer call)."""
    session = getattr(request.state, "session", None)
    signer: Signer = request.app.state.web_signer
    return signer.csrf(session) if session is not None else ""


def fragment(request: Request, template: str, **context: Any) -> str:
    """Render a template to text with the request's language and CSRF token."""
    lang = language(request)
    return (
        environment()
        .get_template(template)
        .render(t=texts(lang), lang=lang, langs=LANGS, csrf=csrf_token(request), path=request.url.path, **context)
    )


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a full page; an explicit ``?lang=`` choice is remembered in a cookie."""
    done = request.query_params.get("done", "")
    context.setdefault("flash", done if done in FLASH_KEYS else "")
    context.setdefault("authenticated", request.app.state.web_signer.token is not None)
    response = HTMLResponse(fragment(request, template, **context), status_code=status_code)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    chosen = request.query_params.get("lang")
    if chosen in LANGS:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86_400, samesite="strict", httponly=True)
    return response
