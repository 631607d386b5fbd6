"""`newsalert alerts` and `newsalert dead` against a real Valkey."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from services.cli import main
from services.notify.delivery.commands import list_alerts, list_dead, retry_dead
from services.notify.delivery.ledger import Keys
from services.notify.delivery.schedule import Schedule
from services.notify.rules.subscriptions import channel_id
from tests.delivery.conftest import Rig, make_settings
from tests.delivery.factory import alert
from tests.delivery.peers import MailSink

MAILTO = "mailto:desk@example.test"


def default_keys(rig: Rig) -> Rig:
    """The commands read the production key names: point the rig at them."""
    keys = Keys()
    rig.courier.ledger.keys = keys
    rig.courier.schedule = Schedule(rig.redis, keys)
    return rig


async def test_alerts_and_dead_letters_are_listed_and_a_dead_letter_retried(
    rig_factory: Callable[..., Rig], mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    sink.rcpt_script = ["550 5.1.1 No such mailbox"]
    rig = default_keys(rig_factory(make_settings(port)))
    sub = await rig.subscribe(MAILTO)
    a = alert(subscription=sub.id, channel=channel_id(MAILTO))
    await rig.courier.accept(a)
    await rig.drain()

    (row,) = await list_alerts(rig.redis)
    assert (row["id"], row["status"], row["attempts"]) == (a.id, "dead", 1)
    assert "550" in row["reason"]
    (letter,) = await list_dead(rig.redis)
    assert letter["origin_id"] == a.id
    assert "550" in letter["reason"]

    assert "scheduled again" in await retry_dead(rig.redis, letter["id"])
    assert await list_dead(rig.redis) == []
    due = await rig.courier.schedule.next_due()
    assert due is not None
    rig.clock.now = datetime.fromtimestamp(due, UTC)  # re-queued for right away
    await rig.drain()
    assert len(sink.messages) == 1
    assert (await list_alerts(rig.redis))[0]["status"] == "sent"


async def test_retrying_an_unknown_dead_letter_fails_clearly(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(make_settings())
    from shared.errors import InputError

    with pytest.raises(InputError, match="no dead letter"):
        await retry_dead(rig.redis, "1-1")


def test_cli_prints_json(redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSALERT_REDIS_URL", redis_url)
    assert main(["alerts", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
    assert main(["dead", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
    assert main(["dead", "retry"]) == 2


async def test_an_alert_buried_twice_leaves_one_dead_letter_until_retried_by_hand(
    rig_factory: Callable[..., Rig], mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    sink.rcpt_script = ["550 5.1.1 No such mailbox"] * 2
    rig = default_keys(rig_factory(make_settings(port)))
    sub = await rig.subscribe(MAILTO)
    a = alert(subscription=sub.id, channel=channel_id(MAILTO))
    await rig.courier.accept(a)
    await rig.drain()
    now = rig.clock.now
    # a courier killed between burying the alert and recording it dead buries it again on its retry
    assert await rig.courier.schedule.bury(a, "550 again", 2, now) is None
    (letter,) = await list_dead(rig.redis)

    await retry_dead(rig.redis, letter["id"])
    due = await rig.courier.schedule.next_due()
    assert due is not None
    rig.clock.now = datetime.fromtimestamp(due, UTC)
    await rig.drain()
    (again,) = await list_dead(rig.redis)  # failing again after a hand retry is a new dead letter
    assert again["origin_id"] == a.id
    assert again["id"] != letter["id"]
    assert sink.messages == []
