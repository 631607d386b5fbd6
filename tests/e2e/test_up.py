"""`newsalert up` on one machine: embedded Valkey, three services, health, clean stop, stale server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, newsalert, service_env

START_TIMEOUT_S = 60


def start_up(data_dir: Path, valkey_port: int, http_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSALERT_")}
    env.update(
        NEWSALERT_DATA_DIR=str(data_dir),
        NEWSALERT_EMBEDDED_PORT=str(valkey_port),
        NEWSALERT_HTTP_PORT=str(http_port),
        NEWSALERT_GRACEFUL_TIMEOUT_S="5",
    )
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "services.cli", "up"], env=env, stdout=out, stderr=out)


def wait_healthy(http_port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{http_port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling an HTTP endpoint: the observable state we wait on
    pytest.fail(f"/health not up within {START_TIMEOUT_S} s:\n{log.read_text()}")


def wait_down(http_port: int) -> None:
    """Wait until nothing answers /health: services of a killed run finish on their own, and until they
    have, a new run's health check would be answered by them."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{http_port}/health", timeout=1)
        except httpx.TransportError:
            return
        time.sleep(0.1)  # polling an HTTP endpoint: the observable state we wait on
    pytest.fail(f"/health still answered {START_TIMEOUT_S} s after its run was killed")


def valkey_pid(data_dir: Path) -> int:
    return int((data_dir / "valkey" / "valkey.pid").read_text().strip())


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text() if Path(f"/proc/{pid}/stat").exists() else ""
    return " Z " not in stat


def wait_dead(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_up_serves_health_and_stops_cleanly_on_ctrl_c(tmp_path: Path):
    valkey_port, http_port, log = free_port(), free_port(), tmp_path / "up.log"
    up = start_up(tmp_path / "data", valkey_port, http_port, log)
    try:
        wait_healthy(http_port, up, log)
        server_pid = valkey_pid(tmp_path / "data")
        env = service_env(f"redis://127.0.0.1:{valkey_port}")
        published = newsalert("publish", env=env, stdin='{"title": "Niamey accueille un sommet de l\'AES"}\n')
        assert "published 1 new" in published.stdout, published.stderr
        started = time.monotonic()
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=15) == 0, log.read_text()
        assert time.monotonic() - started < 15
        assert wait_dead(server_pid, 5), "valkey-server outlived newsalert up"
    finally:
        if up.poll() is None:
            up.kill()
    # the queue survived: AOF in the data directory
    up = start_up(tmp_path / "data", valkey_port, http_port, log)
    try:
        wait_healthy(http_port, up, log)
        status = newsalert("status", "--json", env=service_env(f"redis://127.0.0.1:{valkey_port}"))
        assert '"length": 1' in status.stdout, status.stdout
    finally:
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=15) == 0


def test_a_stale_server_from_a_killed_run_is_replaced(tmp_path: Path):
    valkey_port, http_port, log = free_port(), free_port(), tmp_path / "up.log"
    up = start_up(tmp_path / "data", valkey_port, http_port, log)
    wait_healthy(http_port, up, log)
    stale_pid = valkey_pid(tmp_path / "data")
    up.kill()  # kill -9: no chance to stop its children
    up.wait(timeout=10)
    wait_down(http_port)
    assert alive(stale_pid), "the test needs an orphaned valkey-server"
    up = start_up(tmp_path / "data", valkey_port, http_port, log)
    try:
        wait_healthy(http_port, up, log)
        assert not alive(stale_pid)
        assert valkey_pid(tmp_path / "data") != stale_pid
        assert "left running by an earlier run" in log.read_text()
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=15) == 0
