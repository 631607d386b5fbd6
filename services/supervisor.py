"""`newsalert up`: the whole system on one machine, one OS process per service.

Starts the embedded Valkey when no Redis URL is configured, runs ingest, classify and
notify as child processes (so both cores work), restarts a child that dies, and on
SIGINT/SIGTERM stops the children gracefully, then Valkey, leaving nothing behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from shared.embedded import EmbeddedValkey
from shared.settings import CommonSettings

logger = logging.getLogger(__name__)

SERVICES = ("ingest", "classify", "notify")
RESTART_BACKOFF_MAX_S = 30.0
HEALTHY_RUN_S = 60.0
POLL_S = 0.2
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One supervised service process and its restart bookkeeping."""

    name: str
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restarts: int = 0
    next_start: float = 0.0


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor dies, so a killed `up` leaves no orphans."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    """Run every service as a child process until a signal arrives."""

    def __init__(self, settings: CommonSettings, config: Path | None = None) -> None:
        self.settings = settings
        self.config = config
        self.children = [Child(name) for name in SERVICES]
        self.stopping = threading.Event()
        self.valkey: EmbeddedValkey | None = None

    def _env(self, name: str) -> dict[str, str]:
        env = dict(os.environ)
        env["NEWSALERT_REDIS_URL"] = self.settings.effective_redis_url
        if name != "notify":
            env["NEWSALERT_HTTP_PORT"] = "0"  # only notify serves the HTTP API
        return env

    def _spawn(self, child: Child) -> None:
        command = [sys.executable, "-m", "services.cli", child.name]
        if self.config is not None and child.name in ("ingest", "notify"):
            command += ["--config", str(self.config)]
        # Its own session: a terminal's Ctrl-C reaches only the supervisor, which stops children in order.
        # S603: our own interpreter and module. PLW1509: the supervisor starts no threads.
        child.process = subprocess.Popen(  # noqa: S603
            command,
            env=self._env(child.name),
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        child.started = time.monotonic()
        logger.info("started %s (pid %s)", child.name, child.process.pid, extra={"service": child.name})

    def _start_valkey(self) -> None:
        if self.settings.redis_url:
            return
        self.valkey = EmbeddedValkey(self.settings.data_dir, self.settings.embedded_port)
        # Valkey inherits this mask: a terminal's Ctrl-C must not stop it before the services ack their work
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.valkey.start()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    def run(self) -> int:
        """Supervise until SIGINT/SIGTERM; return 0 after a clean stop."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        self._start_valkey()
        try:
            for child in self.children:
                self._spawn(child)
            print(
                f"newsalert is up: http://{self.settings.http_host}:{self.settings.http_port} "
                f"(Redis {self.settings.effective_redis_url}); Ctrl-C stops it",
                flush=True,
            )
            while not self.stopping.wait(POLL_S):
                self._tend()
        finally:
            self._stop_children()
            if self.valkey is not None:
                self.valkey.stop()
        logger.info("newsalert stopped")
        return 0

    def _tend(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None:
                if now >= child.next_start:
                    self._spawn(child)
                continue
            code = child.process.poll()
            if code is None:
                if now - child.started > HEALTHY_RUN_S:
                    child.restarts = 0
                continue
            delay = min(RESTART_BACKOFF_MAX_S, 0.5 * 2**child.restarts)
            child.restarts += 1
            child.process = None
            child.next_start = now + delay
            logger.warning(
                "%s exited with code %s; restarting in %.1f s", child.name, code, delay, extra={"service": child.name}
            )

    def _stop_children(self) -> None:
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.graceful_timeout_s + 2.0
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("pid %s did not stop in time; killing it", process.pid)
                process.kill()
                process.wait(timeout=5)
