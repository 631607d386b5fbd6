"""The `newsalert` command: run the system or one service, feed articles in, inspect queues."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import redis.asyncio as aioredis
from pydantic import ValidationError

from shared.backlog import pipeline_status
from shared.broker import make_client, ping
from shared.errors import ConfigError, InputError, RedisUnavailable
from shared.logs import redact, setup_logging
from shared.settings import CommonSettings

SERVICES = ("ingest", "classify", "notify")
COMMAND_MODULES = (
    "services.ingest.commands",
    "services.classify.commands",
    "services.notify.rules.commands",
    "services.notify.delivery.commands",
    "services.ops.commands",
)
BUILT_IN = frozenset({"up", *SERVICES, "publish", "status"})
EXIT_USAGE = 2
EXIT_NO_REDIS = 3


def redis_hint(url: str) -> str:
    """The one line a command prints when it finds no Redis."""
    return (
        f"newsalert: no Redis answers at {redact(url)}; start the system with `newsalert up` "
        "(or `make run`), or point NEWSALERT_REDIS_URL at a running Redis"
    )


def run_async(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a command's coroutine, turning expected failures into one line and an exit code."""
    try:
        return asyncio.run(coro_factory())
    except RedisUnavailable:
        print(redis_hint(CommonSettings().effective_redis_url), file=sys.stderr)
        return EXIT_NO_REDIS
    except (ConfigError, InputError) as exc:
        print(f"newsalert: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:
        print(f"newsalert: invalid setting: {describe_settings_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def describe_settings_error(exc: ValidationError) -> str:
    """One line naming each invalid setting as its environment variable."""
    parts = []
    for error in exc.errors():
        name = "_".join(str(p) for p in error["loc"]).upper()
        parts.append(f"NEWSALERT_{name}: {error['msg']}" if name else error["msg"])
    return "; ".join(parts)


def with_redis(work: Callable[[aioredis.Redis], Awaitable[int]]) -> int:
    """Run a command's ``work`` with a client on the configured Redis, closed afterwards."""

    async def main() -> int:
        url = CommonSettings().effective_redis_url
        await ping(url)
        client = make_client(url)
        try:
            return await work(client)
        finally:
            await client.aclose()

    return run_async(main)


def _service(args: argparse.Namespace) -> int:
    from shared.service import run_service

    settings = CommonSettings()
    setup_logging(settings.log_level, settings.log_format, service=args.command)
    app = importlib.import_module(f"services.{args.command}.app")

    async def main() -> int:
        if args.config is not None:
            from services.declarative import apply_config

            await apply_config(settings, args.config, only=args.command)
        return await run_service(settings, app.assemble)

    return run_async(main)


def _up(args: argparse.Namespace) -> int:
    from services.supervisor import Supervisor

    settings = CommonSettings()
    setup_logging(settings.log_level, settings.log_format, service="up")
    try:
        return Supervisor(settings, config=args.config).run()
    except ConfigError as exc:
        print(f"newsalert: {exc}", file=sys.stderr)
        return EXIT_USAGE


def input_lines(names: Iterable[str], skip_unreadable: bool = True) -> Iterator[tuple[str, int, bytes]]:
    """Yield (file name, line number, line) of every non-blank line; stdin when no name or ``-``.

    An unreadable file is reported and skipped, or, with ``skip_unreadable=False``, raises OSError.
    """
    for name in names or ["-"]:
        try:
            stream: IO[bytes] = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115
        except OSError as e:
            if not skip_unreadable:
                raise
            print(f"newsalert: cannot read {name}: {e.strerror}", file=sys.stderr)
            continue
        try:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield name, number, line
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


def _open_inputs(files: Sequence[str]) -> list[tuple[str, int, Any]]:
    records: list[tuple[str, int, Any]] = []
    for name, number, line in input_lines(files):
        try:
            records.append((name, number, json.loads(line.decode("utf-8", errors="replace"))))
        except json.JSONDecodeError as exc:
            records.append((name, number, InputError(f"not JSON: {exc.msg} at column {exc.colno}")))
    return records


def _publish(args: argparse.Namespace) -> int:
    from services.ingest.intake import admit, article_from_record

    settings = CommonSettings()
    records = _open_inputs(args.files)
    articles, bad = [], 0
    for name, number, record in records:
        try:
            if isinstance(record, InputError):
                raise record
            articles.append(article_from_record(record))
        except InputError as exc:
            bad += 1
            print(f"{name}:{number}: skipped: {exc}", file=sys.stderr)

    async def main() -> int:
        url = settings.effective_redis_url
        await ping(url)
        client = make_client(url)
        try:
            result = await admit(client, articles)
        finally:
            await client.aclose()
        print(f"published {result.new} new, {result.updated} updated, {result.duplicate} duplicate, {bad} skipped")
        return 1 if bad and not articles else 0

    return run_async(main)


def _status(args: argparse.Namespace) -> int:
    settings = CommonSettings()

    async def main() -> int:
        await ping(settings.effective_redis_url)
        client = make_client(settings.effective_redis_url)
        try:
            rows = await pipeline_status(client)
        finally:
            await client.aclose()
        if args.json:
            print(json.dumps([row.model_dump() for row in rows]))
            return 0
        print(f"{'stream':<22} {'group':<9} {'length':>8} {'pending':>8} {'lag':>8} {'dead':>6}")
        for row in rows:
            lag = "?" if row.lag is None else str(row.lag)
            warn = "  (lag near the stream cap)" if row.near_cap else ""
            print(f"{row.stream:<22} {row.group:<9} {row.length:>8} {row.pending:>8} {lag:>8} {row.dead:>6}{warn}")
        return 0

    return run_async(main)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every `newsalert` subcommand (only the built-in ones when ``command`` is one)."""
    parser = argparse.ArgumentParser(prog="newsalert", description="Open news alerts on Redis Streams.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    up = sub.add_parser("up", help="run the whole system on this machine (embedded Valkey unless NEWSALERT_REDIS_URL)")
    up.add_argument("--config", type=Path, help="YAML file of feeds and subscriptions to load at start")
    up.set_defaults(func=_up)
    for name in SERVICES:
        svc = sub.add_parser(name, help=f"run the {name} service against NEWSALERT_REDIS_URL")
        svc.add_argument("--config", type=Path, help="YAML file of feeds and subscriptions to load at start")
        svc.set_defaults(func=_service)
    publish = sub.add_parser("publish", help="feed JSON-lines articles into the pipeline as if fetched")
    publish.add_argument("files", nargs="*", help="files of JSON lines; stdin when none or '-'")
    publish.set_defaults(func=_publish)
    status = sub.add_parser("status", help="per stream: length, pending, consumer lag, dead letters")
    status.add_argument("--json", action="store_true", help="one JSON document")
    status.set_defaults(func=_status)
    if command in BUILT_IN:
        return parser  # the areas' command modules import heavy libraries: skip them when not needed
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise  # a module that exists but fails to import is a bug, not an absent area
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `newsalert` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationError as exc:  # settings read outside a command's coroutine
        print(f"newsalert: invalid setting: {describe_settings_error(exc)}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
