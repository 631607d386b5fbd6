"""Signing in with the API token, and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.notify.web.access import SESSION_COOKIE, Signer, set_session_cookie
from services.notify.web.forms import field, read_form
from services.notify.web.render import page

router = APIRouter(include_in_schema=False)


def local_path(target: str) -> str:
    """Keep a post-login destination only when it is a path on this server."""
    if target.startswith("/") and not target.startswith(("//", "/\\")) and "\n" not in target:
        return target
    return "/rules"


async def login_page(request: Request) -> Response:
    """The page a browser gets instead of any protected page while it has no session (401)."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return page(request, "login.html.j2", 401, next=local_path(wanted), wrong=False)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return page(request, "login.html.j2", next=local_path(request.query_params.get("next", "/rules")), wrong=False)


@router.post("/login", response_model=None)
async def login(request: Request) -> Response:
    """Check the token and open a session (an HttpOnly, SameSite=Strict cookie)."""
    signer: Signer = request.app.state.web_signer
    form = await read_form(request)
    target = local_path(field(form, "next", "/rules"))
    if signer.token is None:
        return RedirectResponse(target, status_code=303)
    if not signer.token_ok(field(form, "token")):
        return page(request, "login.html.j2", 401, next=target, wrong=True)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, signer.issue(), signer.max_age_s, request.url.scheme == "https")
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request) -> Response:
    """Close the session."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
