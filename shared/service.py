"""Running one service process: wait for Redis, create groups, consume, serve, stop cleanly.

A service is assembled by its app factory into stages (consumed streams), background
tasks (pollers, schedulers) and optionally an HTTP app. :func:`run_service` owns the
process lifecycle: SIGTERM/SIGINT stop it gracefully (in-flight work finishes or stays
pending), and the loss of a consumer group (a Redis that lost its data) ends it with
exit code 3 so a supervisor restarts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
import uvicorn
from faststream.redis import RedisBroker
from redis.exceptions import RedisError

from shared.broker import (
    check_eviction_policy,
    ensure_groups,
    forget_consumer,
    forget_dead_consumers,
    group_exists,
    make_broker,
    make_client,
    wait_for_redis,
)
from shared.heap import settle_heap
from shared.placeholders import refuse_placeholders
from shared.settings import CommonSettings
from shared.stage import Stage, StageRunner

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_GROUP_LOST = 3
EXIT_TASK_FAILED = 4
WATCH_INTERVAL_S = 2.0
DEAD_CONSUMER_IDLE_MS = 3_600_000
"""A consumer silent this long belongs to a process that is gone (live ones poll every 100 ms)."""

Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A background task: runs until the event is set."""


@dataclass
class Runtime:
    """What an app factory gets to assemble its service."""

    settings: CommonSettings
    broker: RedisBroker
    client: aioredis.Redis


@dataclass
class Service:
    """An assembled service: what it consumes, what runs beside it, what it serves."""

    name: str
    stages: list[Stage[Any]] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    http_app: Any = None
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    runners: list[StageRunner[Any]] = field(default_factory=list)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the service owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: Any, host: str, port: int) -> uvicorn.Server:
    """Build the HTTP server a service runs inside its own event loop."""
    # log_config=None: uvicorn logs through the root handler (JSON lines, redaction) instead of its own
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", log_config=None, lifespan="on", access_log=False
    )
    return _QuietServer(config)


async def _watch_groups(client: aioredis.Redis, service: Service, stop: asyncio.Event) -> int:
    """Return EXIT_GROUP_LOST when a consumed group disappears; wait quietly while Redis is down."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), WATCH_INTERVAL_S)
        if stop.is_set():
            break
        for stage in service.stages:
            try:
                present = await group_exists(client, stage.stream, stage.group)
            except RedisError:
                break  # Redis restarting: FastStream reconnects; check again later
            if not present:
                logger.critical(
                    "consumer group %s on %s is gone (Redis lost its data); exiting for a restart",
                    stage.group,
                    stage.stream,
                    extra={"stream": stage.stream},
                )
                return EXIT_GROUP_LOST
    return EXIT_OK


async def run_service(settings: CommonSettings, assemble: Callable[[Runtime], Awaitable[Service]]) -> int:
    """Run one service until a signal or a fatal condition; return the process exit code."""
    refuse_placeholders(os.environ, settings.dev_mode)
    url = settings.effective_redis_url
    await wait_for_redis(url, settings.redis_wait_s)
    client = make_client(url)
    await check_eviction_policy(client)
    broker = make_broker(url, settings.graceful_timeout_s)
    service = await assemble(Runtime(settings=settings, broker=broker, client=client))
    settle_heap()
    await ensure_groups(client, [(s.stream, s.group) for s in service.stages])
    for stage in service.stages:
        await forget_dead_consumers(client, stage.stream, stage.group, DEAD_CONSUMER_IDLE_MS)
    for stage in service.stages:
        runner = StageRunner(stage, broker, client, settings)
        runner.attach()
        service.runners.append(runner)
    await broker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(task(stop)) for task in service.tasks]
    watcher = asyncio.create_task(_watch_groups(client, service, stop))
    server = http_server(service.http_app, settings.http_host, settings.http_port) if service.http_app else None
    serving = asyncio.create_task(server.serve()) if server else None
    logger.info("%s started", service.name, extra={"service": service.name})
    code = await _wait_for_end(stop, watcher, tasks, serving)
    await _shutdown(service, broker=broker, stop=stop, tasks=[*tasks, watcher], server=server, serving=serving)
    await client.aclose()
    return code


async def _wait_for_end(
    stop: asyncio.Event, watcher: asyncio.Task[int], tasks: list[asyncio.Task[None]], serving: asyncio.Task[None] | None
) -> int:
    stopper = asyncio.create_task(stop.wait())
    watched: set[asyncio.Future[Any]] = {stopper, watcher, *tasks}
    if serving is not None:
        watched.add(serving)
    done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if watcher in done:
        return watcher.result()
    for task in done:
        if task is not stopper and task.exception() is not None:
            logger.critical("a background task failed: %r", task.exception())
            return EXIT_TASK_FAILED
    return EXIT_OK


async def _shutdown(
    service: Service,
    *,
    broker: RedisBroker,
    stop: asyncio.Event,
    tasks: list[asyncio.Task[Any]],
    server: uvicorn.Server | None,
    serving: asyncio.Task[None] | None,
) -> None:
    stop.set()
    if server is not None and serving is not None:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, 5.0)
    await broker.stop()
    for runner in service.runners:
        for consumer in (runner.consumer, f"{runner.consumer}-claim"):
            await forget_consumer(runner.client, runner.stage.stream, runner.stage.group, consumer)
    for task in tasks:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5.0)
    for hook in service.on_stop:
        with contextlib.suppress(Exception):
            await hook()
    for runner in service.runners:
        c = runner.counters
        logger.info(
            "%s stopped: handled=%d skipped=%d failed=%d dead=%d published=%d",
            runner.stage.name,
            c.handled,
            c.skipped,
            c.failed,
            c.dead,
            c.published,
            extra={"service": service.name, "stream": runner.stage.stream},
        )
