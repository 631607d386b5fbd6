"""The deliver stage wired as the notify app wires it: alerts from the stream reach a real SMTP server once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from services.notify.handlers import alert_handler
from services.notify.rules.subscriptions import channel_id
from shared.broker import ensure_groups, make_broker
from shared.models import Alert
from shared.settings import CommonSettings
from shared.stage import Stage, StageRunner
from shared.streams import ALERTS, DELIVER_GROUP
from tests.delivery.conftest import Rig, make_settings
from tests.delivery.factory import alert
from tests.delivery.peers import MailSink
from tests.waiting import wait_until

MAILTO = "mailto:desk@example.test"


async def test_alerts_from_the_stream_are_delivered_once(
    redis: aioredis.Redis,
    redis_url: str,
    rig_factory: Callable[..., Rig],
    mail: tuple[MailSink, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port, poll_interval_s=0.05))
    rig.courier.clock = lambda: datetime.now(UTC)  # real time: the stage and the poller run for real
    sub = await rig.subscribe(MAILTO)
    await ensure_groups(redis, [(ALERTS, DELIVER_GROUP)])
    broker = make_broker(redis_url, graceful_timeout_s=2)
    stage = Stage(
        name="deliver", stream=ALERTS, group=DELIVER_GROUP, model=Alert, handle=alert_handler(rig.courier.accept),
        key=lambda a: a.id,
    )  # fmt: skip
    StageRunner(stage, broker, redis, CommonSettings(), consumer="tester").attach()
    await broker.start()
    caplog.set_level("INFO", logger="services.notify.delivery")
    stop = asyncio.Event()
    poller = asyncio.create_task(rig.courier.run(stop))
    try:
        fresh = alert(subscription=sub.id, channel=channel_id(MAILTO), published=datetime.now(UTC))
        for _ in range(2):  # the same alert published twice (a matcher retried) goes out once
            await broker.publish(fresh, stream=ALERTS)

        async def delivered() -> bool:
            return await rig.status(fresh.id) == "sent"

        await wait_until(delivered, what="the alert to be delivered")

        async def settled() -> bool:
            return int((await redis.xpending(ALERTS, DELIVER_GROUP))["pending"]) == 0

        await wait_until(settled, what="the stage to acknowledge both entries")
    finally:
        stop.set()
        await poller
        await broker.stop()
    assert len(sink.messages) == 1
    assert "delivery stopped: " in caplog.text
    assert "sent=1" in caplog.text
