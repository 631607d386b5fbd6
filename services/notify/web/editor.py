"""The rules pages: list, editor with live interpretation and preview, save, enable/disable, delete."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.notify.delivery.settings import DeliverySettings
from services.notify.rules.admission import admission
from services.notify.rules.query import Compiler
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from services.notify.web import activity
from services.notify.web.access import FormRefused
from services.notify.web.forms import Form, RuleForm, field, read_form, rule_form, subscription_of
from services.notify.web.interpretation import Interpretation, interpret
from services.notify.web.masking import mask_target
from services.notify.web.preview import Backtest, backtest
from services.notify.web.render import fragment, page
from services.notify.web.settings import WebSettings
from services.notify.web.shelf import Shelf
from shared.errors import InputError, QueryError
from shared.models import utc_now
from shared.vocabulary import Vocabulary, default_vocabulary

router = APIRouter(include_in_schema=False)
ACTIVITY_LIMIT = 20_000
"""Alerts counted at most for the rules list (the ledger keeps 10,000 recent ones by default)."""
BLANK = RuleForm("", "", frozenset(), (), "instant", "UTC", True)


@lru_cache(maxsize=4)
def compiler(vocabulary: Vocabulary) -> Compiler:
    """One query compiler per vocabulary: it remembers how each word resolved."""
    return Compiler(vocabulary)


def _admit(sub: Subscription) -> None:
    admission(compiler(default_vocabulary()), DeliverySettings().allow_private_targets)(sub)


def store_of(request: Request) -> SubscriptionStore:
    """The subscription store, checking rules as the rules API does before saving them."""
    return SubscriptionStore(request.app.state.runtime.client, _admit)


def shelf_of(request: Request) -> Shelf:
    """The shelf of latest tagged articles this app keeps."""
    shelf: Shelf = request.app.state.web_shelf
    return shelf


def web_settings(request: Request) -> WebSettings:
    """The web settings built when the app was."""
    settings: WebSettings = request.app.state.web_settings
    return settings


async def checked_form(request: Request) -> Form:
    """Read a posted form and check its CSRF token; :class:`FormRefused` when it is unreadable or forged."""
    try:
        form = await read_form(request)
    except InputError as e:
        raise FormRefused(400, str(e)) from e
    if not request.app.state.web_signer.csrf_ok(getattr(request.state, "session", None), field(form, "csrf")):
        raise FormRefused(403, "csrf")
    return form


def _read(query: str) -> Interpretation:
    return interpret(query, default_vocabulary()) if query.strip() else Interpretation(query)


async def _backtest(request: Request, query: str) -> Backtest | None:
    vocabulary = default_vocabulary()
    try:
        compiled = compiler(vocabulary).compile(query)
    except QueryError:
        return None
    settings = web_settings(request)
    articles = await shelf_of(request).latest(settings.backtest_articles)
    # off the event loop: the HTTP server shares it with the notify stages
    return await asyncio.to_thread(backtest, compiled, articles, vocabulary, settings.preview_budget_s)


def _editor(
    request: Request, sub: Subscription | None, form: RuleForm, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    kept = [(cid, mask_target(target)) for cid, target in (sub.channels() if sub else {}).items()]
    context: dict[str, Any] = {"result": None, "problem": "", **extra}
    return page(
        request, "editor.html.j2", status_code, sub=sub, form=form, kept=kept, reading=_read(form.query), **context
    )


@router.get("/", response_model=None)
async def home() -> Response:
    """The rules list is the home page."""
    return RedirectResponse("/rules", status_code=303)


@router.get("/rules", response_class=HTMLResponse)
async def rules_list(request: Request) -> HTMLResponse:
    """Every rule with its masked targets and its alerts of the last 24 hours and 7 days."""
    subs = await store_of(request).all()
    now = utc_now()
    marks = await activity.recent_marks(request.app.state.runtime.client, now - timedelta(days=7), ACTIVITY_LIMIT)
    counts = activity.counts(marks, now)
    rows = [
        {
            "sub": sub,
            "targets": [mask_target(t.get_secret_value()) for t in sub.targets],
            "day": counts.get(sub.id, (0, 0))[0],
            "week": counts.get(sub.id, (0, 0))[1],
        }
        for sub in subs
    ]
    return page(request, "rules.html.j2", rows=rows)


@router.get("/rules/new", response_class=HTMLResponse)
async def new_rule(request: Request) -> HTMLResponse:
    """An empty editor (``?query=`` prefills the query)."""
    return _editor(request, None, dataclasses.replace(BLANK, query=request.query_params.get("query", "")))


@router.get("/rules/{sub_id}/edit", response_class=HTMLResponse)
async def edit_rule(request: Request, sub_id: str) -> HTMLResponse:
    """The editor on an existing rule."""
    sub = await store_of(request).get(sub_id)
    if sub is None:
        return page(request, "error.html.j2", 404, message="404")
    form = RuleForm(sub.name, sub.query, frozenset(), (), sub.delivery, sub.timezone, sub.enabled)
    return _editor(request, sub, form)


@router.post("/rules/preview", response_class=HTMLResponse)
async def preview_page(request: Request) -> HTMLResponse:
    """The editor again, with the backtest of its query (for browsers without JavaScript)."""
    form = await checked_form(request)
    sub = await store_of(request).get(field(form, "rule")) if field(form, "rule") else None
    rf = rule_form(form)
    return _editor(request, sub, rf, result=await _backtest(request, rf.query))


async def _save(request: Request, sub_id: str | None) -> Response:
    form = await checked_form(request)
    store = store_of(request)
    existing = await store.get(sub_id) if sub_id else None
    if sub_id and existing is None:
        return page(request, "error.html.j2", 404, message="404")
    rf = rule_form(form)
    try:
        await store.save(subscription_of(rf, existing))
    except InputError as e:
        return _editor(request, existing, rf, 422, problem=str(e))
    return RedirectResponse("/rules?done=rules.saved", status_code=303)


@router.post("/rules", response_model=None)
async def create_rule(request: Request) -> Response:
    """Create a rule from the editor; the editor again with the problem when it is invalid."""
    return await _save(request, None)


@router.post("/rules/{sub_id}", response_model=None)
async def update_rule(request: Request, sub_id: str) -> Response:
    """Save an edited rule."""
    return await _save(request, sub_id)


@router.post("/rules/{sub_id}/{action}", response_model=None)
async def rule_action(request: Request, sub_id: str, action: str) -> Response:
    """Enable, disable or delete a rule."""
    await checked_form(request)
    store = store_of(request)
    if action == "delete":
        found = await store.remove(sub_id)
        done = "rules.deleted"
    elif action in ("enable", "disable"):
        found = await store.set_enabled(sub_id, action == "enable") is not None
        done = "rules.saved"
    else:
        found = False
    if not found:
        return page(request, "error.html.j2", 404, message="404")
    return RedirectResponse(f"/rules?done={done}", status_code=303)


@router.get("/ui/interpret", response_class=HTMLResponse)
async def interpretation_fragment(request: Request, query: str = "") -> HTMLResponse:
    """The editor's live feedback: how the query reads, or where it fails to parse."""
    return HTMLResponse(fragment(request, "_interpretation.html.j2", reading=_read(query)))


@router.get("/ui/preview", response_class=HTMLResponse)
async def preview_fragment(request: Request, query: str = "") -> HTMLResponse:
    """The editor's preview: the backtest of the query over stored articles."""
    result = await _backtest(request, query)
    return HTMLResponse(fragment(request, "_preview.html.j2", result=result))
