"""A published article travels through real classify and notify processes on real Valkey."""

from __future__ import annotations

import json
from pathlib import Path

import redis.asyncio as aioredis
from faststream.redis.parser.binary import BinaryMessageFormatV1

from shared.models import TaggedArticle
from shared.streams import NOTIFY_GROUP, TAGGED, done_key
from tests.delivery.peers import MailSink, smtp_server
from tests.processes import ServiceProcess, free_port, newsalert, service_env
from tests.waiting import wait_until

FRENCH_ARTICLE = {
    "url": "https://www.example-sahel.test/politique/aes-russie-sommet?utm_source=rss",
    "title": "L'AES et la Russie préparent un sommet à Niamey",
    "text": (
        "Les chefs d'État de la Confédération des États du Sahel se retrouveront à Niamey le mois prochain. "
        "Moscou a confirmé la venue de Sergueï Lavrov, qui doit signer plusieurs accords de coopération."
    ),
    "published": "2026-11-26T08:30:00+00:00",
}


async def tagged_entries(client: aioredis.Redis) -> list[TaggedArticle]:
    entries = await client.xrange(TAGGED)
    return [TaggedArticle.model_validate_json(BinaryMessageFormatV1.parse(f[b"__data__"])[0]) for _, f in entries]


async def test_published_french_article_reaches_notify_and_alerts_once(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
):
    sink = MailSink()
    with smtp_server(sink) as smtp:
        env = service_env(
            redis_url,
            NEWSALERT_HTTP_PORT=str(free_port()),
            NEWSALERT_CLAIM_IDLE_MS="5000",
            NEWSALERT_SMTP_HOST="127.0.0.1",
            NEWSALERT_SMTP_PORT=str(smtp.port),
            NEWSALERT_SMTP_SECURITY="none",
            NEWSALERT_SMTP_FROM="alerts@newsalert.example",
        )
        rule = newsalert(
            "rules",
            "add",
            "--name",
            "aes-russia",
            "--query",
            "AES + Russia summit",
            "--notify",
            "mailto:desk@example.org",
            env=env,
        )
        assert rule.returncode == 0, rule.stderr
        with (
            ServiceProcess(["classify"], env, tmp_path / "classify.log") as classify,
            ServiceProcess(["notify"], env, tmp_path / "notify.log") as notify,
        ):
            line = json.dumps(FRENCH_ARTICLE, ensure_ascii=False) + "\n"
            done = newsalert("publish", env=env, stdin=line)
            assert done.returncode == 0, done.stderr
            assert "published 1 new" in done.stdout

            async def notified() -> bool:
                tagged = await tagged_entries(redis)
                if not tagged:
                    return False
                article = tagged[0].article
                return bool(await redis.exists(done_key(NOTIFY_GROUP, f"{article.id}:{article.digest()}")))

            async def mailed() -> bool:
                return len(sink.messages) >= 1

            await wait_until(notified, timeout_s=60, what="notify to handle the tagged article")
            await wait_until(mailed, timeout_s=60, what="the alert email")
            # the same story from another outlet does not alert again
            other = {**FRENCH_ARTICLE, "url": "https://autre-journal.example.test/aes-russie-sommet"}
            assert "published 1 new" in newsalert("publish", env=env, stdin=json.dumps(other) + "\n").stdout
            await wait_until(lambda: _tagged_count(redis, 2), timeout_s=60, what="the second report tagged")
            assert classify.stop() == 0, classify.log()
            assert notify.stop() == 0, notify.log()
    (tagged, _) = await tagged_entries(redis)
    assert tagged.article.title == FRENCH_ARTICLE["title"]
    assert tagged.article.source == "example-sahel.test"
    assert {a.id for a in tagged.actors} >= {"aes", "russia"}
    assert "summit" in {t.id for t in tagged.topics}
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "desk@example.org"
    assert "L'AES et la Russie préparent un sommet" in message["Subject"]
    assert FRENCH_ARTICLE["url"] in message.get_body(("plain",)).get_content()


async def _tagged_count(client: aioredis.Redis, n: int) -> bool:
    return len(await tagged_entries(client)) >= n


async def test_publish_reports_bad_lines_and_keeps_the_good_ones(redis: aioredis.Redis, redis_url: str):
    lines = "\n".join(
        [
            json.dumps({"title": "Bamako: la CEDEAO prend acte du retrait", "text": "Texte."}),
            "{not json",
            json.dumps({"title": "", "text": ""}),
            json.dumps({"title": "Abuja summit", "colour": "red"}),
            json.dumps(["a list"]),
            json.dumps({"title": "Niamey: uranium talks resume", "published": "yesterday"}),
            json.dumps({"title": "Ouagadougou hosts ministers", "text": "Text.", "source": "example.org"}),
        ]
    )
    result = newsalert("publish", env=service_env(redis_url), stdin=lines + "\n")
    assert result.returncode == 0
    assert "published 2 new, 0 updated, 0 duplicate, 5 skipped" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert [e.split(":")[1] for e in errors] == ["2", "3", "4", "5", "6"]
    assert "not JSON" in errors[0]
    assert "needs a title or a text" in errors[1]
    assert "unknown field(s) colour" in errors[2]
    assert "expected a JSON object" in errors[3]
    assert "published" in errors[4]
    assert int(await redis.xlen("newsalert:articles")) == 2


async def test_publishing_the_same_article_twice_is_a_duplicate(redis: aioredis.Redis, redis_url: str):
    line = json.dumps(FRENCH_ARTICLE) + "\n"
    env = service_env(redis_url)
    assert "published 1 new" in newsalert("publish", env=env, stdin=line).stdout
    assert "0 new, 0 updated, 1 duplicate" in newsalert("publish", env=env, stdin=line).stdout
    edited = json.dumps({**FRENCH_ARTICLE, "title": FRENCH_ARTICLE["title"] + " (mis à jour)"}) + "\n"
    assert "0 new, 1 updated, 0 duplicate" in newsalert("publish", env=env, stdin=edited).stdout


def test_commands_without_redis_say_so_in_one_line():
    env = service_env(f"redis://127.0.0.1:{free_port()}")
    for command in (["status"], ["publish"]):
        result = newsalert(*command, env=env, stdin="")
        assert result.returncode == 3
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "no Redis answers at redis://127.0.0.1:" in lines[0]
        assert "newsalert up" in lines[0]


def test_an_invalid_setting_is_one_line_naming_the_variable():
    env = service_env("redis://127.0.0.1:1", NEWSALERT_BATCH_SIZE="0")
    result = newsalert("classify", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newsalert: invalid setting: NEWSALERT_BATCH_SIZE: Input should be greater than or equal to 1"
    ]
