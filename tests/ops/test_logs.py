"""Structured logs: one JSON object per line, the same keys everywhere, no secret in any of them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from shared.logs import CONTEXT_KEYS, JsonFormatter, RedactingFilter, redact, remember_secrets

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"tgram://{TOKEN}/-100123456", TOKEN),
        (f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed", TOKEN),
        ("redis://:Hx93kd02mf@redis:6379/0 unreachable", "Hx93kd02mf"),
        ("mailto://desk:Hx93kd02mf@smtp.example.org", "Hx93kd02mf"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "TIiajkdnlazkcOXrIdevi7FQ"),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "JHMHI8qBe7bk2ZwO5U711o3dV_js"),
        ("https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX"),
        ("json://127.0.0.1:8080/hook?token=Hx93kd02mf", "Hx93kd02mf"),
        ('{"password": "Hx93kd02mf"}', "Hx93kd02mf"),
        ("SMTP AUTH failed: secret=Hx93kd02mf", "Hx93kd02mf"),
    ],
)
def test_credentials_are_masked(text: str, secret: str):
    assert secret not in redact(text)
    assert "***" in redact(text)


@pytest.mark.parametrize(
    "text",
    [
        "polled https://www.example-sahel.test/rss in 0.3 s",
        "alert for desk@example.org: L'AES et la Russie préparent un sommet à Niamey",
        "dead-lettering 1795754433470-0 on newsalert:articles",
    ],
)
def test_ordinary_lines_are_left_alone(text: str):
    assert redact(text) == text


def test_configured_secret_values_are_masked_anywhere():
    remember_secrets(
        {
            "NEWSALERT_SMTP_PASSWORD": "plain-Zq81xw7",
            "NEWSALERT_REDIS_URL": "redis://:url-Pw0d8s2@127.0.0.1:6379/0",
            "NEWSALERT_LOG_LEVEL": "INFO",
        }
    )
    assert redact("relay said: 535 bad credentials plain-Zq81xw7") == "relay said: 535 bad credentials ***"
    assert "url-Pw0d8s2" not in redact("AUTH url-Pw0d8s2 refused")
    assert redact("level INFO") == "level INFO"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_json_lines_carry_the_shared_keys_and_stay_one_line(captured: tuple[logging.Logger, io.StringIO]):
    logger, stream = captured
    logger.warning(
        "title spans\nthree\nlines for %s",
        "tgram://" + TOKEN + "/42",
        extra={"article_id": "a1b2c3d4", "stream": "newsalert:tagged", "channel": "c0ffee", "error": TOKEN},
    )
    try:
        raise RuntimeError(f"push to https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logger.exception("delivery failed", extra={"subscription": "s1"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) >= {"time", "level", "logger", "message", "article_id", "stream", "channel"}
    assert first["level"] == "WARNING"
    assert first["message"].startswith("title spans\nthree")
    assert second["subscription"] == "s1"
    assert "RuntimeError" in second["exception"]
    assert TOKEN not in stream.getvalue()
    assert set(first) - {"time", "level", "logger", "message"} <= set(CONTEXT_KEYS)
