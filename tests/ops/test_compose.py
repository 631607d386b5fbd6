"""What `docker compose up -d` does, pinned down without a Docker engine."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from services.cli import build_parser
from shared.settings import CommonSettings
from tests.ops.compose import (
    APP_SERVICES,
    COMPOSE,
    COMPOSE_DEV,
    DOCKERFILE,
    ENV_EXAMPLE,
    duration_s,
    env_values,
    load,
)

SHUTDOWN_MARGIN_S = 10.0
"""What run_service spends after the graceful timeout: HTTP server and background tasks, 5 s each."""


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load()


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = compose["services"]
    return result


def redis_command(services: dict[str, Any]) -> str:
    command = services["redis"]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_redis_publishes_no_port_and_the_dev_override_only_on_loopback(services: dict[str, Any]):
    assert "ports" not in services["redis"]
    assert services["redis"]["networks"] == ["backend"]
    assert load()["networks"]["backend"]["internal"] is True
    dev_ports = load(COMPOSE_DEV)["services"]["redis"]["ports"]
    assert dev_ports, "the dev override offers Redis on loopback"
    for port in dev_ports:
        assert str(port).startswith("127.0.0.1:"), port


def test_redis_is_durable_never_evicts_and_needs_the_password_from_env(services: dict[str, Any]):
    command = redis_command(services)
    for option in (
        "--appendonly yes",
        "--appendfsync everysec",
        "--maxmemory-policy noeviction",
        "--protected-mode yes",
        '--requirepass "$${REDIS_PASSWORD}"',
    ):
        assert option in command, option
    assert services["redis"]["environment"]["REDIS_PASSWORD"].startswith("${NEWSALERT_REDIS_PASSWORD:?")
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert "redis-data" in load()["volumes"]
    assert "$${REDIS_PASSWORD}" in services["redis"]["healthcheck"]["test"][1]


def test_every_service_is_healthchecked_restarted_rotated_and_limited(services: dict[str, Any]):
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name
        options = service["logging"]["options"]
        assert service["logging"]["driver"] == "json-file"
        assert options["max-size"]
        assert int(options["max-file"]) >= 2
        limits = service["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) > 0, name
        assert re.fullmatch(r"\d+[MG]", limits["memory"]), name


def test_app_services_wait_for_a_healthy_redis_and_stop_after_their_graceful_timeout(services: dict[str, Any]):
    configured = float(env_values().get("NEWSALERT_GRACEFUL_TIMEOUT_S", CommonSettings().graceful_timeout_s))
    for name in APP_SERVICES:
        service = services[name]
        assert service["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert duration_s(service["stop_grace_period"]) > configured + SHUTDOWN_MARGIN_S, name
        assert service["healthcheck"]["test"] == ["CMD", "newsalert", "health"], name
        assert service["environment"]["NEWSALERT_SERVE_PROBES"] == "true", "the healthcheck needs /ready"
        assert service["init"] is True, name
        assert "ALL" in service["cap_drop"], name


def test_each_app_service_runs_its_own_newsalert_command(services: dict[str, Any]):
    parser = build_parser()
    for name in APP_SERVICES:
        command = services[name]["command"]
        assert command == ["newsalert", name]
        for argv in (command, services[name]["healthcheck"]["test"][1:]):
            args = parser.parse_args(argv[1:])
            assert callable(args.func), argv


def test_classify_runs_two_replicas_and_notify_publishes_a_configurable_port(services: dict[str, Any]):
    assert services["classify"]["deploy"]["replicas"] == 2
    (port,) = services["notify"]["ports"]
    assert port == "${NEWSALERT_PUBLISH_ADDRESS:-127.0.0.1}:${NEWSALERT_PUBLISH_PORT:-8080}:8080"
    for name in ("ingest", "classify", "redis"):
        assert "ports" not in services[name], name


def test_mailpit_runs_only_in_the_dev_profile(services: dict[str, Any]):
    assert services["mailpit"]["profiles"] == ["dev"]
    assert services["mailpit"]["environment"]["MP_SMTP_AUTH_ACCEPT_ANY"] == "true"
    for port in services["mailpit"]["ports"]:
        assert port.startswith("127.0.0.1:")
    dev_notify = load(COMPOSE_DEV)["services"]["notify"]
    assert dev_notify["environment"]["NEWSALERT_SMTP_HOST"] == "mailpit"
    assert dev_notify["environment"]["NEWSALERT_DEV_MODE"] == "true"


def test_compose_files_hold_no_secret():
    for path in (COMPOSE, COMPOSE_DEV):
        text = path.read_text()
        assert "change-me" not in "\n".join(line.split("#")[0] for line in text.splitlines())
        for name, service in load(path)["services"].items():
            environment = service.get("environment") or {}
            for key, value in environment.items():
                if re.search(r"PASSWORD|SECRET|TOKEN", key):
                    assert str(value).startswith("${"), f"{path.name}: {name}.{key} must come from .env"
                assert "@" not in str(value) or "${NEWSALERT_REDIS_PASSWORD" in str(value), f"{name}.{key}"
    assert load()["x-service"]["env_file"] == [".env"]


def test_the_image_builds_in_two_stages_and_runs_as_a_user_without_privileges():
    text = DOCKERFILE.read_text()
    stages = re.split(r"(?m)^FROM ", text)[1:]
    assert len(stages) >= 2
    final = stages[-1]
    assert "-slim" in text.split("ARG PYTHON_IMAGE=")[1].splitlines()[0]
    assert re.search(r"(?m)^USER (?!0\b|root\b)\S+", final)
    assert "build-essential" not in final
    assert "gcc" not in final
    assert "apt-get install" not in final
    assert "COPY --from=build /opt/newsalert /opt/newsalert" in final
    assert "pyproject.toml" in stages[0]
    assert "pip install --no-deps ." in stages[0]
    ignored = (COMPOSE.parent / ".dockerignore").read_text().splitlines()
    assert ignored[1] == "*", "the build context is an allow-list: no .env, .git or .venv in the image"
    assert "!.env" not in ignored
    assert "!.env.example" not in ignored
    copied = [line.split()[1:-1] for line in text.splitlines() if re.match(r"COPY (?!--from)", line)]
    assert copied
    for source in [source for sources in copied for source in sources]:
        assert f"!{source.rstrip('/')}" in [line.rstrip("/") for line in ignored], f"{source} is not in the context"


def test_docker_compose_config_accepts_the_files(tmp_path: Path):
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("NEWSALERT_CI") == "1":
            pytest.fail("docker-compose is missing on CI (.ci/run installs it)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    for path in (COMPOSE, COMPOSE_DEV):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(ENV_EXAMPLE, tmp_path / ".env")
    for files in (["-f", "docker-compose.yml"], ["-f", "docker-compose.yml", "-f", "docker-compose.dev.yml"]):
        result = subprocess.run(
            [binary, *files, "--profile", "dev", "config", "-q"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={k: v for k, v in os.environ.items() if not k.startswith(("NEWSALERT_", "COMPOSE_"))},
        )
        assert result.returncode == 0, result.stderr
    (tmp_path / ".env").write_text("NEWSALERT_LOG_LEVEL=INFO\n")
    missing = subprocess.run(
        [binary, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert missing.returncode != 0
    assert "NEWSALERT_REDIS_PASSWORD" in missing.stderr


def test_the_commands_in_the_operations_guide_exist():
    guide = (COMPOSE.parent / "docs" / "operations.md").read_text()
    commands = re.findall(r"(?m)(?:^|exec \w+ |`)newsalert ([a-z][\w -]*?)(?:`|\\$|$| --| http| mailto)", guide)
    assert len(commands) >= 4
    parser = build_parser()
    for command in commands:
        argv = command.split()
        if argv[:2] == ["feeds", "add"]:
            argv.append("https://www.example.org/rss.xml")
        args = parser.parse_args(
            argv if argv[:2] != ["rules", "add"] else [*argv, "--name", "n", "--query", "q", "--notify", "mailto:a@b.c"]
        )
        assert callable(args.func), command
