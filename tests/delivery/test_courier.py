"""The delivery core end to end on a real Valkey and real peers, with a hand-moved clock."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import time, timedelta

import pytest

from services.notify.delivery.schedule import alert_job
from services.notify.delivery.tokens import verify
from shared.models import Alert, DeadLetter
from shared.stage import decode_payload
from tests.delivery.conftest import Rig, make_settings
from tests.delivery.factory import ENGLISH_TEXT, ENGLISH_TITLE, NOW, alert
from tests.delivery.peers import BOT_TOKEN, FakeTelegram, MailSink, telegram_error

MAILTO = "mailto:desk@example.test"
CHAT = f"tgram://{BOT_TOKEN}/-1001234567890"
RigFactory = Callable[..., Rig]


def for_sub(rig: Rig, sub_id: str, target: str, **fields: object) -> Alert:
    from services.notify.rules.subscriptions import channel_id

    return alert(subscription=sub_id, channel=channel_id(target), **fields)  # type: ignore[arg-type]


async def dead_letters(rig: Rig) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(decode_payload(fields)) for _, fields in await rig.dead()]


async def test_instant_email_is_delivered_once_with_unsubscribe(
    rig_factory: RigFactory, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    assert await rig.courier.accept(a) == "queued"
    await rig.drain()
    assert await rig.courier.accept(a) == "sent"  # the stream redelivers it: nothing more goes out
    await rig.drain()
    (received,) = sink.messages
    assert received["Message-ID"] == f"<{a.id}@newsalert.test>"
    assert sink.envelopes[0].rcpt_tos == ["desk@example.test"]
    link = str(received["List-Unsubscribe"]).strip("<>")
    assert link.startswith("https://alerts.newsalert.test/unsubscribe/")
    assert verify(link.rsplit("/", 1)[1], "test-secret-value") == sub.id
    assert await rig.status(a.id) == "sent"


async def test_a_later_outlet_on_the_same_story_does_not_alert_again(
    rig_factory: RigFactory, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    first = for_sub(rig, sub.id, MAILTO)
    later = for_sub(rig, sub.id, MAILTO, seed="b", source="rfi.fr", title=ENGLISH_TITLE, text=ENGLISH_TEXT)
    other_story = for_sub(rig, sub.id, MAILTO, seed="c", story="story-2")
    assert await rig.courier.accept(first) == "queued"
    await rig.drain()
    assert await rig.courier.accept(later) == "duplicate"
    assert await rig.courier.accept(other_story) == "queued"
    await rig.drain()
    assert len(sink.messages) == 2


async def test_an_old_article_never_alerts(rig_factory: RigFactory, mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    old = for_sub(rig, sub.id, MAILTO, published=NOW - timedelta(days=365))
    assert await rig.courier.accept(old) == "stale"
    await rig.drain()
    assert sink.messages == []
    assert await rig.courier.schedule.next_due() is None


async def test_451_is_retried_later_by_the_schedule_not_by_sleeping(
    rig_factory: RigFactory, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    sink.script = ["451 4.7.1 Greylisted"]
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    await rig.drain()
    assert await rig.status(a.id) == "retrying"
    assert await rig.courier.schedule.next_due() == (NOW + timedelta(seconds=3.75)).timestamp()  # 5 s, half jittered
    await rig.drain()
    assert sink.messages == []
    rig.clock.advance(4)
    await rig.drain()
    assert len(sink.messages) == 1
    assert await rig.status(a.id) == "sent"


async def test_550_goes_to_the_dead_letters_at_once(rig_factory: RigFactory, mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    sink.rcpt_script = ["550 5.1.1 No such mailbox"]
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    await rig.drain()
    (letter,) = await dead_letters(rig)
    assert "550" in letter.reason
    assert letter.origin_id == a.id
    assert Alert.model_validate_json(base64.b64decode(letter.payload_b64)) == a
    assert await rig.status(a.id) == "dead"
    assert await rig.courier.schedule.next_due() is None


async def test_smtp_down_then_up(rig_factory: RigFactory) -> None:
    from tests.delivery.peers import smtp_server

    sink = MailSink()
    with smtp_server(sink) as controller:
        port = controller.port
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    await rig.drain()
    assert await rig.status(a.id) == "retrying"
    with smtp_server(sink, port=port):
        rig.clock.advance(60)
        await rig.drain()
    assert len(sink.messages) == 1
    assert await dead_letters(rig) == []


async def test_telegram_retry_after_is_honoured(rig_factory: RigFactory, telegram: FakeTelegram) -> None:
    telegram.script = [telegram_error(429, "Too Many Requests: retry after 7", retry_after=7)]
    rig = rig_factory(make_settings(telegram=telegram))
    sub = await rig.subscribe(CHAT)
    a = for_sub(rig, sub.id, CHAT)
    await rig.courier.accept(a)
    await rig.drain()
    assert await rig.courier.schedule.next_due() == (NOW + timedelta(seconds=7.5)).timestamp()
    rig.clock.advance(7)
    await rig.drain()
    assert len(telegram.calls) == 1
    rig.clock.advance(1)
    await rig.drain()
    assert len(telegram.calls) == 2
    assert await rig.status(a.id) == "sent"


async def test_retries_are_bounded_then_dead_lettered(rig_factory: RigFactory, telegram: FakeTelegram) -> None:
    telegram.script = [telegram_error(502, "Bad Gateway")] * 3
    rig = rig_factory(make_settings(telegram=telegram, retry_max_attempts=3))
    sub = await rig.subscribe(CHAT)
    a = for_sub(rig, sub.id, CHAT)
    await rig.courier.accept(a)
    for _ in range(3):
        await rig.drain()
        rig.clock.advance(3_600)
    (letter,) = await dead_letters(rig)
    assert "502" in letter.reason
    assert "after 3 attempts" in letter.reason
    assert len(telegram.calls) == 3


async def test_one_failing_target_never_delays_another(rig_factory: RigFactory, telegram: FakeTelegram) -> None:
    rig = rig_factory(make_settings(1, telegram=telegram))  # nothing listens on port 1
    sub = await rig.subscribe(MAILTO, CHAT)
    by_mail, by_chat = for_sub(rig, sub.id, MAILTO), for_sub(rig, sub.id, CHAT)
    assert await rig.courier.accept(by_mail) == "queued"
    assert await rig.courier.accept(by_chat) == "queued"
    await rig.drain()
    assert len(telegram.calls) == 1
    assert await rig.status(by_chat.id) == "sent"
    assert await rig.status(by_mail.id) == "retrying"


async def test_quiet_hours_hold_matches_for_one_catch_up_digest(
    rig_factory: RigFactory, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    rig.clock.now = NOW.replace(hour=21, minute=30)  # 22:30 in Niamey
    sub = await rig.subscribe(MAILTO, timezone="Africa/Niamey", quiet_hours=(time(22, 0), time(7, 0)))
    alerts = [for_sub(rig, sub.id, MAILTO, seed=f"q{i}", story=f"story-{i}") for i in range(3)]
    for a in alerts:
        assert await rig.courier.accept(a) == "held"
    rig.clock.advance(3_600 * 8)  # 06:30 in Niamey: still quiet
    await rig.drain()
    assert sink.messages == []
    rig.clock.advance(1_800)  # 07:00
    await rig.drain()
    (digest,) = sink.messages
    assert str(digest["Subject"]).startswith("[aes-russia] 3 stories: ")
    assert [await rig.status(a.id) for a in alerts] == ["sent"] * 3


async def test_daily_digest_groups_outlets_of_a_story(rig_factory: RigFactory, mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO, delivery="digest", digest_every="daily", digest_at=time(8, 0))
    first = for_sub(rig, sub.id, MAILTO, source="aniamey.com")
    second = for_sub(rig, sub.id, MAILTO, seed="b", source="rfi.fr", title=ENGLISH_TITLE, text=ENGLISH_TEXT)
    assert await rig.courier.accept(first) == "held"
    rig.clock.advance(60)  # the second outlet reports a minute later
    assert await rig.courier.accept(second) == "held"
    await rig.drain()
    assert sink.messages == []
    rig.clock.now = NOW.replace(day=28, hour=8)
    await rig.drain()
    (digest,) = sink.messages
    text = digest.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Also reported by: rfi.fr" in text
    assert text.count("https://www.aniamey.com/") == 1


async def test_a_burst_to_one_chat_folds_into_a_digest(rig_factory: RigFactory, telegram: FakeTelegram) -> None:
    rig = rig_factory(make_settings(telegram=telegram))
    sub = await rig.subscribe(CHAT)
    burst = [for_sub(rig, sub.id, CHAT, seed=f"b{i}", story=f"story-{i}") for i in range(5)]
    for a in burst:
        await rig.courier.accept(a)
    await rig.drain()
    assert len(telegram.calls) == 1
    rig.clock.advance(1.5)
    await rig.drain()
    assert len(telegram.calls) == 2
    assert "… and" not in telegram.texts[1]
    assert telegram.texts[1].count("<a href=") == 4
    assert [await rig.status(a.id) for a in burst] == ["sent"] * 5


async def test_a_crashed_send_comes_back_after_its_lease(rig_factory: RigFactory, mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port, lease_s=30))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    assert await rig.courier.schedule.claim(NOW, 30, 10) == [alert_job(a.id)]  # a sender took it, then died
    await rig.drain()
    assert sink.messages == []
    rig.clock.advance(31)
    await rig.drain()
    assert len(sink.messages) == 1


async def test_a_disabled_subscription_gets_nothing(rig_factory: RigFactory, mail: tuple[MailSink, int]) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    await rig.store.set_enabled(sub.id, False)
    await rig.drain()
    assert sink.messages == []
    assert await rig.status(a.id) == "dropped"
    assert await rig.courier.accept(for_sub(rig, sub.id, MAILTO, seed="z", story="s9")) == "dropped"


@pytest.mark.parametrize("target", [MAILTO, CHAT])
async def test_hostile_title_arrives_escaped(
    rig_factory: RigFactory, mail: tuple[MailSink, int], telegram: FakeTelegram, target: str
) -> None:
    from tests.delivery.factory import HOSTILE_TITLE

    sink, port = mail
    rig = rig_factory(make_settings(port, telegram=telegram))
    sub = await rig.subscribe(target)
    await rig.courier.accept(for_sub(rig, sub.id, target, title=HOSTILE_TITLE))
    await rig.drain()
    if target == MAILTO:
        (received,) = sink.messages
        assert sink.envelopes[0].rcpt_tos == ["desk@example.test"]
        assert received["Bcc"] is None
        assert "<script>" not in received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    else:
        (text,) = telegram.texts
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<script>" not in text


async def test_secrets_never_reach_logs_records_or_dead_letters(
    rig_factory: RigFactory, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.script = [telegram_error(502, "Bad Gateway"), telegram_error(401, "Unauthorized")]
    rig = rig_factory(make_settings(telegram=telegram))
    sub = await rig.subscribe(CHAT)
    a = for_sub(rig, sub.id, CHAT)
    with caplog.at_level("DEBUG"):
        await rig.courier.accept(a)
        await rig.drain()
        rig.clock.advance(60)
        await rig.drain()
    (letter,) = await dead_letters(rig)
    record = await rig.courier.ledger.load(a.id)
    assert record is not None
    assert "401" in record.reason
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("services.")]
    assert any("502" in line for line in ours)
    for text in [letter.reason, record.reason, letter.model_dump_json(), *ours]:
        assert BOT_TOKEN not in text
        assert BOT_TOKEN.split(":")[1] not in text


async def test_an_unreadable_record_does_not_stop_its_digest(
    rig_factory: RigFactory, mail: tuple[MailSink, int]
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    rig.clock.now = NOW.replace(hour=21, minute=30)
    sub = await rig.subscribe(MAILTO, timezone="Africa/Niamey", quiet_hours=(time(22, 0), time(7, 0)))
    good, bad = (for_sub(rig, sub.id, MAILTO, seed=s, story=f"story-{s}") for s in ("g", "b"))
    for a in (good, bad):
        assert await rig.courier.accept(a) == "held"
    await rig.redis.hset(rig.keys.record(bad.id), "payload", b'{"schema_version": 9}')
    rig.clock.advance(3_600 * 10)
    await rig.drain()
    (digest,) = sink.messages
    assert str(digest["Subject"]) == f"[aes-russia] {good.tagged.article.title}"
    assert await rig.courier.schedule.next_due() is None


async def test_a_send_interrupted_after_its_start_is_resent_once_and_logged_as_ambiguous(
    rig_factory: RigFactory, mail: tuple[MailSink, int], caplog: pytest.LogCaptureFixture
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port, lease_s=30))
    sub = await rig.subscribe(MAILTO)
    a = for_sub(rig, sub.id, MAILTO)
    await rig.courier.accept(a)
    await rig.courier.schedule.claim(NOW, 30, 10)  # a sender took it and marked it sending, then died
    await rig.courier.ledger.start(a.id, a.channel, NOW)
    assert await rig.status(a.id) == "sending"
    rig.clock.advance(31)
    await rig.drain()
    assert len(sink.messages) == 1
    assert await rig.status(a.id) == "sent"
    assert [r.message for r in caplog.records if "ambiguous" in r.message] == [
        "resending after an interrupted send: may duplicate (ambiguous)"
    ]


async def test_a_plain_send_logs_nothing_ambiguous(
    rig_factory: RigFactory, mail: tuple[MailSink, int], caplog: pytest.LogCaptureFixture
) -> None:
    sink, port = mail
    rig = rig_factory(make_settings(port))
    sub = await rig.subscribe(MAILTO)
    await rig.courier.accept(for_sub(rig, sub.id, MAILTO))
    await rig.drain()
    assert len(sink.messages) == 1
    assert not [r for r in caplog.records if "ambiguous" in r.message]
