"""Faults at the delivery end, on real classify and notify processes: each deserved alert arrives once.

Sinks: an SMTP server (aiosmtpd) and a Bot API stand-in on 127.0.0.1. Faults: SMTP down
then up; SMTP 451 (retried) vs 550 (dead-lettered with its reason); the chat API answering
429 with retry_after, then 502 twice, then 200; notify killed mid-delivery.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.streams import ALERTS, TAGGED
from tests.delivery.peers import telegram_error
from tests.faults.corpus import article_ids, records
from tests.faults.oracle import assert_oracle
from tests.faults.sinks import (
    RecordingTelegram,
    ScriptedMail,
    Watch,
    chat_alert_ids,
    dead_alerts,
    expected,
    smtp_on,
    telegram_target,
    watch,
)
from tests.faults.system import System
from tests.processes import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.faults
logger = logging.getLogger(__name__)

ARTICLE_COUNT = 40
DUE = "newsalert:delivery:due"


@pytest.fixture
async def delivering(tmp_path: Path) -> AsyncIterator[tuple[System, RecordingTelegram, int]]:
    """A system whose notify sends to a Bot API stand-in and to SMTP on a port the test controls."""
    smtp_port = free_port()
    with RecordingTelegram() as telegram:
        system = System(
            tmp_path,
            NEWSALERT_SMTP_HOST="127.0.0.1",
            NEWSALERT_SMTP_PORT=str(smtp_port),
            NEWSALERT_SMTP_SECURITY="none",
            NEWSALERT_SMTP_TIMEOUT_S="3",
            NEWSALERT_TELEGRAM_API_URL=telegram.base,
            NEWSALERT_PUSH_TIMEOUT_S="3",
            NEWSALERT_RETRY_BASE_S="0.2",
            NEWSALERT_RETRY_CAP_S="1",
            NEWSALERT_RETRY_MAX_ATTEMPTS="100",
            NEWSALERT_POLL_INTERVAL_S="0.2",
            NEWSALERT_LEASE_S="9",
            NEWSALERT_CHAT_PER_SECOND="100",
            NEWSALERT_CHAT_PER_MINUTE="10000",
        )
        system.start_valkey()
        try:
            yield system, telegram, smtp_port
        finally:
            await system.close()


async def subscribe(system: System) -> dict[str, Watch]:
    """Four subscriptions: two by email (one deferred once per message, one refused), two on Telegram."""
    return {
        "flaky": await watch(system, "sahel-mail", "Bamako", "mailto:flaky@example.test"),
        "blocked": await watch(system, "dakar-mail", "Dakar", "mailto:blocked@example.test"),
        "chat": await watch(system, "east-chat", "Nairobi", telegram_target(1001)),
        "chat2": await watch(system, "west-chat", "Accra", telegram_target(1002)),
    }


async def run_pipeline(system: System, batch: list[dict[str, object]]) -> None:
    """Start classify and notify and feed the articles."""
    system.start("classify")
    system.start("notify")
    await system.running("classify")
    await system.running("notify")
    await system.feed(batch, chunks=2)


async def delivered(
    system: System, mail: ScriptedMail, telegram: RecordingTelegram, watches: dict[str, Watch]
) -> tuple[dict[str, Watch], Counter[str]]:
    """What was due (alert id -> watch) and what arrived (alert id -> times), over both sinks."""
    want = await expected(system, list(watches.values()))
    got = mail.alert_ids() + await chat_alert_ids(system, telegram, list(watches.values()))
    return want, got


async def settle_deliveries(
    system: System,
    batch: list[dict[str, object]],
    mail: ScriptedMail,
    telegram: RecordingTelegram,
    watches: dict[str, Watch],
) -> tuple[dict[str, Watch], Counter[str]]:
    """Wait for the stages, then for every deliverable alert to arrive and every refused one to be buried."""
    await system.settle(article_ids(batch), {})

    async def done() -> bool:
        want, got = await delivered(system, mail, telegram, watches)
        refused = {a for a, w in want.items() if w is watches["blocked"]}
        buried = set(await dead_alerts(system))
        return set(got) >= set(want) - refused and buried >= refused and not await system.client.zcard(DUE)

    await wait_until(done, timeout_s=60, interval_s=0.1, what="every alert delivered or dead-lettered")
    return await delivered(system, mail, telegram, watches)


def assert_once(want: dict[str, Watch], got: Counter[str], watches: dict[str, Watch], log: str) -> None:
    """Delivered == deserved minus refused, no duplicates beyond ambiguous sends the log admits."""
    refused = {a for a, w in want.items() if w is watches["blocked"]}
    assert set(got) == set(want) - refused, f"missing {set(want) - refused - set(got)}, extra {set(got) - set(want)}"
    duplicates = sum(n - 1 for n in got.values())
    ambiguous = [line for line in log.splitlines() if "ambiguous" in line]
    logger.warning(
        "%d alerts deserved, %d delivered, %d duplicates; ambiguous log lines:\n%s",
        len(want),
        len(got),
        duplicates,
        "\n".join(ambiguous),
    )
    assert duplicates <= len(ambiguous), f"{duplicates} duplicate deliveries: {got.most_common(3)}"
    for w in watches.values():
        assert any(v is w for v in want.values()), f"no article matched {w.sub.name}: the test proves nothing"


async def test_smtp_451_is_retried_550_is_dead_lettered_and_chat_errors_are_retried(
    delivering: tuple[System, RecordingTelegram, int], rng: random.Random
):
    system, telegram, smtp_port = delivering
    telegram.script = [
        telegram_error(429, "Too Many Requests: retry after 1", retry_after=1),
        telegram_error(502, "Bad Gateway"),
        telegram_error(502, "Bad Gateway"),
    ]
    watches = await subscribe(system)
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    mail = ScriptedMail()
    with smtp_on(mail, smtp_port):
        await run_pipeline(system, batch)
        want, got = await settle_deliveries(system, batch, mail, telegram, watches)
    assert_once(want, got, watches, system.processes["notify"].log())
    refused = {a for a, w in want.items() if w is watches["blocked"]}
    await assert_oracle(system, article_ids(batch), {ALERTS: refused})
    buried = await dead_alerts(system)
    assert set(buried) == refused
    assert all(letter.reason.startswith("smtp: rcpt failed: 550") for letter in buried.values()), buried
    assert mail.deferred >= {a for a, w in want.items() if w is watches["flaky"]}  # each was deferred once
    assert [status for _, status in telegram.answered[:3]] == [429, 502, 502]


async def test_smtp_down_then_up_delivers_every_email_once(
    delivering: tuple[System, RecordingTelegram, int], rng: random.Random
):
    system, telegram, smtp_port = delivering
    watches = await subscribe(system)
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    await run_pipeline(system, batch)
    await system.settle(article_ids(batch), {})

    async def retrying() -> bool:
        return "smtp: connect failed" in system.processes["notify"].log()

    await wait_until(retrying, timeout_s=30, what="notify to fail to reach SMTP")
    assert not await dead_alerts(system)
    mail = ScriptedMail()
    with smtp_on(mail, smtp_port):
        want, got = await settle_deliveries(system, batch, mail, telegram, watches)
    assert_once(want, got, watches, system.processes["notify"].log())
    assert set(await dead_alerts(system)) == {a for a, w in want.items() if w is watches["blocked"]}


async def test_notify_killed_mid_delivery_delivers_each_alert_once(
    delivering: tuple[System, RecordingTelegram, int], rng: random.Random
):
    system, telegram, smtp_port = delivering
    watches = await subscribe(system)
    batch = records(ARTICLE_COUNT, rng.randrange(1_000))
    mail = ScriptedMail()
    with smtp_on(mail, smtp_port):
        system.start("classify")
        system.start("notify")
        await system.running("notify")
        feeding = system.background(system.feed(batch, chunks=2))
        for point in sorted(rng.sample(range(2, 12), 2)):

            async def reached(point: int = point) -> bool:
                return len(mail.messages) + len(telegram.answered) >= point

            await wait_until(reached, timeout_s=60, what=f"{point} send attempts")
            logger.warning("kill -9 notify after %d send attempts", point)
            system.kill("notify")
            system.restart("notify")
            await system.running("notify")
        await feeding
        want, got = await settle_deliveries(system, batch, mail, telegram, watches)
    assert_once(want, got, watches, system.processes["notify"].log())
    refused = {a for a, w in want.items() if w is watches["blocked"]}
    await assert_oracle(system, article_ids(batch), {ALERTS: refused})
    assert await system.handled(TAGGED) == ARTICLE_COUNT
