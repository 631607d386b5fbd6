"""Operations commands: `newsalert health` (the compose healthcheck) and `newsalert asyncapi`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

from shared.settings import CommonSettings

EXIT_OK = 0
EXIT_UNHEALTHY = 1
HEALTH_TIMEOUT_S = 3.0
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - mapping binds to probes


def probe_url(settings: CommonSettings, live: bool) -> str:
    """The URL of this process's probe: the bind address, a wildcard bind probed on loopback."""
    host = _WILDCARDS.get(settings.http_host, settings.http_host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}/{'health' if live else 'ready'}"


def check(url: str, timeout_s: float) -> str | None:
    """GET ``url``; return None when it answers 200, else a one-line reason."""
    try:
        with httpx.Client(timeout=timeout_s, trust_env=False) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        return f"{url}: {exc.__class__.__name__}"
    if response.status_code == 200:
        return None
    try:
        reason = str(response.json().get("reason", ""))
    except ValueError:
        reason = ""
    return f"{url}: HTTP {response.status_code} {reason}".rstrip()


def _health(args: argparse.Namespace) -> int:
    url = args.url or probe_url(CommonSettings(), args.live)
    problem = check(url, args.timeout)
    if problem is None:
        return EXIT_OK
    print(f"newsalert: unhealthy: {problem}", file=sys.stderr)
    return EXIT_UNHEALTHY


def _asyncapi(args: argparse.Namespace) -> int:
    from services.ops import asyncapi

    if args.check:
        stale = asyncapi.stale(args.root)
        for service in stale:
            print(f"newsalert: {asyncapi.path_of(args.root, service)} is out of date", file=sys.stderr)
        return EXIT_UNHEALTHY if stale else EXIT_OK
    for path in asyncapi.write(args.root):
        print(f"wrote {path}")
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `health` and `asyncapi` to the `newsalert` command."""
    health = sub.add_parser("health", help="exit 0 when this service's /ready answers 200, else 1 (healthchecks)")
    health.add_argument("--url", help="probe this URL instead of NEWSALERT_HTTP_HOST:NEWSALERT_HTTP_PORT/ready")
    health.add_argument("--live", action="store_true", help="check liveness (/health) instead of readiness")
    health.add_argument("--timeout", type=float, default=HEALTH_TIMEOUT_S, help="seconds to wait for an answer")
    health.set_defaults(func=_health)
    docs = sub.add_parser("asyncapi", help="write the AsyncAPI documents of the streams under docs/asyncapi/")
    docs.add_argument("--root", type=Path, default=Path(), help="repository root (default: current directory)")
    docs.add_argument("--check", action="store_true", help="exit 1 when a committed document is out of date")
    docs.set_defaults(func=_asyncapi)
