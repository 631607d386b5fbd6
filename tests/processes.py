"""Real OS processes of the services, started with the same commands compose runs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service process pointed at the test Valkey."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSALERT_")}
    env.update({"NEWSALERT_REDIS_URL": redis_url, "NEWSALERT_REDIS_WAIT_S": "20", **extra})
    return env


def newsalert(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run one `newsalert` command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ServiceProcess:
    """A running `newsalert <command>` process whose output goes to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        """Start the process."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *self.args], env=self.env, stdout=log, stderr=log
        )
        log.close()
        return self

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the process."""
        assert self.process is not None
        self.process.send_signal(sig)

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM the process and return its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the process (a crash)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
