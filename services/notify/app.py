"""App factory of the notify service: match stage, deliver stage, HTTP server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from faststream import FastStream
from faststream.specification import AsyncAPI

from services.notify.delivery.wiring import build_courier
from services.notify.handlers import Deliverer, Matcher, alert_handler, tagged_handler
from services.notify.http import create_http_app
from services.notify.rules.book import live_rules
from shared.broker import make_broker, make_client
from shared.letters import DEAD_DOC
from shared.models import Alert, DeadLetter, TaggedArticle
from shared.service import Runtime, Service
from shared.settings import CommonSettings
from shared.stage import Stage, StageRunner
from shared.streams import ALERTS, DELIVER_GROUP, NOTIFY_GROUP, TAGGED, dead


async def no_match(tagged: TaggedArticle) -> Sequence[Alert]:
    """Placeholder matcher: no rule matches (the watch-rules issue replaces it)."""
    return []


async def no_delivery(alert: Alert) -> Sequence[Any]:
    """Stand-in deliverer for documentation builds, where nothing is sent."""
    return []


def notify_stages(match: Matcher, deliver: Deliverer) -> list[Stage[Any]]:
    """The two stages of notify: tagged article -> alerts, alert -> delivery."""
    return [
        Stage(
            name="match",
            stream=TAGGED,
            group=NOTIFY_GROUP,
            model=TaggedArticle,
            handle=tagged_handler(match),
            key=lambda t: f"{t.article.id}:{t.article.digest()}",
        ),
        Stage(name="deliver", stream=ALERTS, group=DELIVER_GROUP, model=Alert, handle=deliver, key=lambda a: a.id),
    ]


async def assemble(runtime: Runtime) -> Service:
    """Assemble the notify service on a connected runtime."""
    courier = build_courier(runtime.client)
    match, follow_rules = await live_rules(runtime.client)
    return Service(
        name="notify",
        stages=notify_stages(match, alert_handler(courier.accept)),
        tasks=[courier.run, follow_rules],
        http_app=create_http_app(runtime),
    )


def create_app() -> FastStream:
    """The FastStream app of this service, for `faststream docs gen --factory`."""
    settings = CommonSettings()
    broker = make_broker(settings.effective_redis_url)
    client = make_client(settings.effective_redis_url)
    for stage in notify_stages(no_match, no_delivery):
        runner: StageRunner[Any] = StageRunner(stage, broker, client, settings)
        runner.attach()
    broker.publisher(
        stream=ALERTS, title="notify:alerts", schema=Alert, description="One alert per rule, story, channel."
    )
    for stream in (TAGGED, ALERTS):
        broker.publisher(stream=dead(stream), title=f"notify:dead:{stream}", schema=DeadLetter, description=DEAD_DOC)
    return FastStream(broker, specification=AsyncAPI(title="newsalert notify", version="1"))
