"""Who may use the page and the API: a bearer token, a signed session cookie with its CSRF token, same origin.

With ``NEWSALERT_API_TOKEN`` set, every page and API call needs it: as ``Authorization: Bearer``
(scripts) or as a session cookie obtained by typing it on the login page (browsers). Without a
token the server is open, which :func:`settings.check_exposure` only allows on loopback. Either
way a browser's writes carry a CSRF token bound to its session, and cross-site writes are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from services.notify.web.settings import is_loopback

SESSION_COOKIE = "newsalert_session"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PREFIXES = ("/health", "/ready", "/metrics", "/static/", "/unsubscribe", "/api/unsubscribe")
"""Paths anyone may reach: probes, assets, and one-click unsubscribe (it carries its own signed token)."""
LOGIN_PATH = "/login"

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Session:
    """A browser session: a random nonce and when it was issued (epoch seconds)."""

    nonce: str
    issued: int


class Signer:
    """Issues and checks session cookies and CSRF tokens; keyed by the API token, else by a per-process key."""

    def __init__(self, token: str | None, max_age_s: int, clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.max_age_s = max_age_s
        self.clock = clock
        # a token change logs every browser out; without a token, a restart does (sessions are re-issued)
        seed = b"newsalert web session\x00" + token.encode() if token else secrets.token_bytes(32)
        self._key = hashlib.sha256(seed).digest()

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        """Return a new session cookie value."""
        body = f"{int(self.clock())}.{secrets.token_hex(16)}"
        return f"{body}.{self._mac('session', body)}"

    def session(self, cookie: str | None) -> Session | None:
        """Return the session a cookie proves, or None when it is absent, forged or expired."""
        if not cookie or cookie.count(".") != 2:
            return None
        issued, nonce, mac = cookie.split(".")
        if not issued.isdigit() or not hmac.compare_digest(mac, self._mac("session", f"{issued}.{nonce}")):
            return None
        if not 0 <= self.clock() - int(issued) <= self.max_age_s:
            return None
        return Session(nonce, int(issued))

    def csrf(self, session: Session) -> str:
        """The CSRF token every form and script request of ``session`` must carry."""
        return self._mac("csrf", session.nonce)[:32]

    def csrf_ok(self, session: Session | None, value: str | None) -> bool:
        """Tell whether ``value`` is the CSRF token of ``session``."""
        return session is not None and bool(value) and hmac.compare_digest(self.csrf(session), value or "")

    def token_ok(self, given: str | None) -> bool:
        """Tell whether ``given`` is the API token (constant time)."""
        return self.token is not None and given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def bearer_ok(self, header: str | None) -> bool:
        """Tell whether an ``Authorization`` header carries the API token."""
        scheme, _, value = (header or "").partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(value.strip())


def is_exempt(path: str) -> bool:
    """Tell whether ``path`` is reachable by anyone (probes, assets, unsubscribe links)."""
    return path.startswith(EXEMPT_PREFIXES)


def cross_site(request: Request) -> bool:
    """Tell whether a browser sent this request from another site (Fetch metadata, else Origin)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


def rebound(request: Request) -> bool:
    """Tell whether a browser reaches the open (token-less) server under a non-local name: DNS rebinding."""
    if request.headers.get("sec-fetch-site") is None:
        return False  # not a browser: only browsers can be tricked into rebinding
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
    return not is_loopback(host)


def set_session_cookie(response: Response, value: str, max_age_s: int, secure: bool) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE, value, max_age=max_age_s, httponly=True, samesite="strict", secure=secure, path="/"
    )


def _refuse(status: int, detail: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class Gate:
    """The HTTP middleware that applies :class:`Signer` to every request."""

    def __init__(self, signer: Signer, login_page: Handler, dev_mode: bool) -> None:
        self.signer = signer
        self.login_page = login_page
        self.dev_mode = dev_mode

    def _forged(self, request: Request, session: Session | None) -> bool:
        """A browser's API write (cookie, not bearer) without its CSRF header."""
        if session is None or request.method not in UNSAFE_METHODS or not request.url.path.startswith("/api/"):
            return False
        return not self.signer.csrf_ok(session, request.headers.get(CSRF_HEADER))

    async def __call__(self, request: Request, call_next: Handler) -> Response:  # noqa: PLR0911 - one exit per refusal
        """Let the request through, answer 401 (login page for browsers) or 403."""
        path = request.url.path
        if is_exempt(path):
            return await call_next(request)
        if request.method in UNSAFE_METHODS and cross_site(request):
            return _refuse(403, "cross-site request refused")
        signer = self.signer
        if signer.token is None and not self.dev_mode and rebound(request):
            return _refuse(403, "this server answers only to local names; set NEWSALERT_API_TOKEN to expose it")
        bearer = signer.bearer_ok(request.headers.get("authorization"))
        session = None if bearer else signer.session(request.cookies.get(SESSION_COOKIE))
        if signer.token is not None and not bearer and session is None and path != LOGIN_PATH:
            if path.startswith("/api/") or request.method in UNSAFE_METHODS:
                return _refuse(401, "missing or wrong API token (Authorization: Bearer <NEWSALERT_API_TOKEN>)")
            return await self.login_page(request)
        if self._forged(request, session):
            return _refuse(403, "missing or wrong CSRF token")
        fresh = signer.issue() if session is None and not bearer else None
        request.state.session = signer.session(fresh) if fresh else session
        response = await call_next(request)
        if fresh is not None and signer.token is None:
            set_session_cookie(response, fresh, signer.max_age_s, request.url.scheme == "https")
        return response


class FormRefused(Exception):
    """A posted form is refused before it is read: no CSRF token of its session (403), or unreadable (400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
