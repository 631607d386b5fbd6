""".env.example documents every setting the code reads, with safe placeholders the services refuse."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from shared.errors import ConfigError
from shared.placeholders import PLACEHOLDER, placeholder_variables, refuse_placeholders
from tests.ops.compose import ENV_EXAMPLE, env_lines, env_names, env_values, load, settings_classes
from tests.processes import free_port, newsalert, service_env

COMPOSE_ONLY = {
    "COMPOSE_PROJECT_NAME",
    "NEWSALERT_IMAGE",
    "NEWSALERT_PUBLISH_ADDRESS",
    "NEWSALERT_PUBLISH_PORT",
    "NEWSALERT_REDIS_MAXMEMORY",
    "NEWSALERT_REDIS_PASSWORD",
}


def test_the_settings_classes_are_found():
    names = {cls.__name__ for cls in settings_classes()}
    assert {"CommonSettings", "IngestSettings", "DeliverySettings", "OpsSettings"} <= names


def test_every_variable_a_service_reads_is_in_env_example():
    documented = {name for _, name, _, _ in env_lines()}
    missing = {
        f"{var} ({cls.__name__})" for cls in settings_classes() for var in env_names(cls) if var not in documented
    }
    assert not missing, f"add to .env.example: {sorted(missing)}"


def test_every_variable_of_env_example_is_read_by_a_service_or_compose():
    known = {var for cls in settings_classes() for var in env_names(cls)} | COMPOSE_ONLY
    unknown = {name for _, name, _, _ in env_lines()} - known
    assert not unknown, f"nothing reads {sorted(unknown)}"
    compose_text = (ENV_EXAMPLE.parent / "docker-compose.yml").read_text()
    for name in COMPOSE_ONLY - {"COMPOSE_PROJECT_NAME"}:
        assert "${" + name in compose_text, name


def test_every_variable_has_a_line_of_explanation_and_appears_once():
    lines = ENV_EXAMPLE.read_text().splitlines()
    names = [name for _, name, _, _ in env_lines()]
    assert len(names) == len(set(names)), "a variable is listed twice"
    for number, name, _, _ in env_lines():
        above = lines[number - 2].strip()
        explained = above.startswith("#") and not above.startswith("# NEWSALERT_") and len(above) > 10
        grouped = above.startswith("# NEWSALERT_") or (above.startswith("NEWSALERT_") and "=" in above)
        assert explained or grouped, f"line {number}: {name} has no explanation above it"


def test_the_active_values_are_valid_settings(monkeypatch: pytest.MonkeyPatch):
    for name, value in env_values().items():
        monkeypatch.setenv(name, value)
    for cls in settings_classes():
        cls()  # raises a ValidationError naming the bad variable


def test_every_secret_is_a_placeholder_or_left_out():
    values = env_values()
    secrets = {
        var
        for cls in settings_classes()
        for var, field in env_names(cls).items()
        if SecretStr in (getattr(cls.model_fields[field].annotation, "__args__", ()) or ())
        or cls.model_fields[field].annotation is SecretStr
    } | {"NEWSALERT_REDIS_PASSWORD"}
    assert "NEWSALERT_SMTP_PASSWORD" in secrets
    for var in secrets:
        assert values.get(var, PLACEHOLDER) == PLACEHOLDER, f"{var} must be {PLACEHOLDER} in .env.example"
    assert set(placeholder_variables(values)) == {var for var in secrets if var in values}


def test_placeholders_are_refused_outside_dev_mode_and_named_not_shown():
    values = env_values()
    with pytest.raises(ConfigError) as refused:
        refuse_placeholders(values, dev_mode=False)
    for var in ("NEWSALERT_REDIS_PASSWORD", "NEWSALERT_SMTP_PASSWORD", "NEWSALERT_UNSUBSCRIBE_SECRET"):
        assert var in str(refused.value)
    refuse_placeholders(values, dev_mode=True)
    refuse_placeholders({"NEWSALERT_SMTP_PASSWORD": "a8f3c2d9e1"}, dev_mode=False)


def test_a_service_with_a_placeholder_secret_refuses_to_start():
    redis_url = "redis://:change-me@127.0.0.1:" + str(free_port())
    result = newsalert("classify", env=service_env(redis_url, NEWSALERT_SMTP_PASSWORD="change-me"), timeout=30)
    assert result.returncode == 2, result.stderr
    assert "NEWSALERT_REDIS_URL, NEWSALERT_SMTP_PASSWORD" in result.stderr
    assert "NEWSALERT_DEV_MODE" in result.stderr
    assert "waiting for Redis" not in result.stderr, "the check runs before anything else"


def test_compose_passes_env_example_to_every_app_service():
    services = load()["services"]
    for name in ("ingest", "classify", "notify"):
        assert services[name]["env_file"] == [".env"], name


def test_the_defaults_shown_are_the_real_defaults(monkeypatch: pytest.MonkeyPatch):
    shown = {name: value for _, name, value, commented in env_lines() if commented and value}
    examples_not_defaults = {"NEWSALERT_REDIS_URL", "NEWSALERT_DATA_DIR"}
    for cls in settings_classes():
        for var, field in env_names(cls).items():
            if var not in shown or var in examples_not_defaults:
                continue
            monkeypatch.setenv(var, shown[var])
            assert getattr(cls(), field) == cls.model_fields[field].get_default(call_default_factory=True), var
            monkeypatch.delenv(var)
