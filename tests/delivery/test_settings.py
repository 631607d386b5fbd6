"""Delivery settings read from the environment, with durations and safety checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.notify.delivery.ledger import KEPT_TEXT_CHARS, compact
from services.notify.delivery.settings import DeliverySettings
from tests.delivery.factory import FRENCH_TEXT, alert


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("72h", timedelta(hours=72)),
        ("3d", timedelta(days=3)),
        ("90m", timedelta(minutes=90)),
        ("3600", timedelta(hours=1)),
    ],
)
def test_max_alert_age_reads_durations(monkeypatch: pytest.MonkeyPatch, value: str, expected: timedelta) -> None:
    monkeypatch.setenv("NEWSALERT_MAX_ALERT_AGE", value)
    assert DeliverySettings().max_alert_age == expected


def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSALERT_MAX_ALERT_AGE", "NEWSALERT_SMTP_SECURITY", "NEWSALERT_SMTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = DeliverySettings()
    assert settings.max_alert_age == timedelta(hours=72)
    assert settings.smtp_security == "starttls"
    assert settings.effective_smtp_port == 587
    assert not settings.allow_private_targets


def test_password_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSALERT_SMTP_PASSWORD", "hunter2-canary")
    settings = DeliverySettings()
    assert "hunter2-canary" not in repr(settings)
    assert settings.smtp_password is not None
    assert settings.smtp_password.get_secret_value() == "hunter2-canary"


def test_a_lease_shorter_than_a_send_is_refused() -> None:
    with pytest.raises(ValidationError, match="lease_s"):
        DeliverySettings(lease_s=10, smtp_timeout_s=20)


def test_stored_alerts_keep_a_bounded_text() -> None:
    huge = alert(text=FRENCH_TEXT + " Suite du reportage." * 10_000)
    kept = compact(huge)
    assert len(kept.tagged.article.text) == KEPT_TEXT_CHARS
    assert kept.why == huge.why
    assert compact(alert()) == alert()
