"""`/api/rules`: create, read, update, delete watch rules, and preview a query on archived articles.

Targets go in but never come out: responses name channels by their digest and scheme.
A query that does not compile is a 422 whose ``detail`` carries ``message`` and ``column``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from services.notify.rules.admission import admission
from services.notify.rules.archive import Archive
from services.notify.rules.backtest import Backtest, backtest_archive, parse_period
from services.notify.rules.facts import Affiliations
from services.notify.rules.query import Compiler
from services.notify.rules.settings import RulesSettings
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, new_id
from shared.errors import InputError, QueryError
from shared.models import TermEvidence
from shared.vocabulary import Vocabulary, default_vocabulary

MAX_PREVIEW_HITS = 100


class RuleIn(BaseModel):
    """A watch rule as a client writes it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    query: str = Field(min_length=1, max_length=1_000)
    notify: list[str] = Field(min_length=1, max_length=16, description="mailto: addresses or apprise URLs")
    enabled: bool = True
    delivery: Literal["instant", "digest"] = "instant"
    digest_every: Literal["hourly", "daily"] = "daily"
    digest_at: time = time(8, 0)
    timezone: str = "UTC"
    quiet_hours: tuple[time, time] | None = None


class ChannelOut(BaseModel):
    """A notification channel, named by digest: its URL may hold a token."""

    channel: str
    scheme: str


class RuleOut(BaseModel):
    """A watch rule as the API shows it."""

    id: str
    name: str
    query: str
    channels: list[ChannelOut]
    enabled: bool
    delivery: str
    digest_every: str
    digest_at: time
    timezone: str
    quiet_hours: tuple[time, time] | None
    created: datetime
    updated: datetime


class PreviewIn(BaseModel):
    """A query to try on the archive, over the last ``since`` (``30m``, ``12h``, ``7d``, ``2w``)."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=1_000)
    since: str = "7d"


class PreviewHit(BaseModel):
    """One archived article the query matched."""

    id: str
    title: str
    url: str | None
    source: str
    story: str
    tagged: datetime
    alerted: bool
    why: list[TermEvidence]


class PreviewOut(BaseModel):
    """What the query would have matched and sent."""

    query: str
    scanned: int
    matched: int
    alerts: int
    alerts_per_day: dict[str, int]
    hits: list[PreviewHit]


def rule_out(sub: Subscription) -> RuleOut:
    """Show a subscription without its targets."""
    channels = [ChannelOut(channel=c, scheme=t.split(":", 1)[0].lower()) for c, t in sub.channels().items()]
    fields = sub.model_dump(exclude={"targets"})
    return RuleOut(channels=channels, **fields)


def preview_out(result: Backtest) -> PreviewOut:
    """Shape a backtest for the API."""
    hits = [
        PreviewHit(
            id=h.tagged.article.id,
            title=h.tagged.article.title,
            url=h.tagged.article.url,
            source=h.tagged.article.source,
            story=h.tagged.story,
            tagged=h.tagged.tagged,
            alerted=h.alerted,
            why=list(h.why),
        )
        for h in result.hits[:MAX_PREVIEW_HITS]
    ]
    per_day = {day.isoformat(): n for day, n in sorted(result.alerts_per_day.items())}
    return PreviewOut(
        query=result.query,
        scanned=result.scanned,
        matched=result.matched,
        alerts=result.alerts,
        alerts_per_day=per_day,
        hits=hits,
    )


def refusal(error: InputError, field: str) -> JSONResponse:
    """A 422 naming the field, with the column when the query is at fault."""
    detail: dict[str, Any] = {"field": field, "message": str(error)}
    if isinstance(error, QueryError):
        detail = {"field": "query", "message": error.message, "column": error.column}
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _client(request: Request) -> aioredis.Redis:
    redis: aioredis.Redis = request.app.state.runtime.client
    return redis


Client = Annotated[aioredis.Redis, Depends(_client)]


def rules_router(vocabulary: Callable[[], Vocabulary] = default_vocabulary) -> APIRouter:
    """Build the `/api/rules` router; the vocabulary is loaded on first use."""
    router = APIRouter(prefix="/api/rules", tags=["rules"])
    compilers: dict[int, tuple[Compiler, Affiliations]] = {}

    def tools() -> tuple[Compiler, Affiliations]:
        vocab = vocabulary()
        if id(vocab) not in compilers:
            compilers[id(vocab)] = (Compiler(vocab), Affiliations(vocab))
        return compilers[id(vocab)]

    def store(redis: aioredis.Redis) -> SubscriptionStore:
        return SubscriptionStore(redis, admission(tools()[0]))

    async def save(rules: SubscriptionStore, sub_id: str, body: RuleIn, existing: Subscription | None) -> Any:
        fields = body.model_dump(exclude={"notify"})
        try:
            sub = Subscription(id=sub_id, targets=tuple(SecretStr(t) for t in body.notify), **fields)
            if existing is not None:
                sub = sub.model_copy(update={"created": existing.created})
            return rule_out(await rules.save(sub))
        except ValidationError as e:
            first = e.errors()[0]
            return refusal(InputError(first["msg"]), ".".join(str(p) for p in first["loc"]) or "rule")
        except QueryError as e:
            return refusal(e, "query")
        except InputError as e:
            return refusal(e, "notify" if "target" in str(e) else "name")

    @router.get("", response_model=list[RuleOut])
    async def list_rules(redis: Client) -> list[RuleOut]:
        """Every watch rule."""
        return [rule_out(s) for s in await store(redis).all()]

    @router.post("", response_model=RuleOut, status_code=status.HTTP_201_CREATED)
    async def create_rule(body: RuleIn, redis: Client) -> Any:
        """Create a watch rule; 422 with message and column when the query does not compile."""
        return await save(store(redis), new_id(), body, None)

    @router.get("/{rule_id}", response_model=RuleOut)
    async def read_rule(rule_id: str, redis: Client) -> RuleOut:
        """One watch rule."""
        sub = await store(redis).get(rule_id)
        if sub is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id}")
        return rule_out(sub)

    @router.put("/{rule_id}", response_model=RuleOut)
    async def update_rule(rule_id: str, body: RuleIn, redis: Client) -> Any:
        """Replace a watch rule (its creation time is kept)."""
        rules = store(redis)
        existing = await rules.get(rule_id)
        if existing is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id}")
        return await save(rules, rule_id, body, existing)

    @router.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_rule(rule_id: str, redis: Client) -> Response:
        """Delete a watch rule."""
        if not await store(redis).remove(rule_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rule {rule_id}")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post("/preview", response_model=PreviewOut)
    async def preview(body: PreviewIn, redis: Client) -> Any:
        """Backtest a query on the archived articles of the last ``since``."""
        compiler, affiliations = tools()
        try:
            query = compiler.compile(body.query)
            period = parse_period(body.since)
        except QueryError as e:
            return refusal(e, "query")
        except InputError as e:
            return refusal(e, "since")
        archive = Archive(redis, RulesSettings().archive_retention_days)
        return preview_out(await backtest_archive(query, archive, affiliations, period))

    return router
