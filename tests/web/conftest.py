"""Fixtures of the web tests: the real notify HTTP app under uvicorn on 127.0.0.1, and Debian's Chromium."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, async_playwright

from services.notify.http import create_http_app
from shared.broker import make_broker, make_client
from shared.service import Runtime, http_server
from shared.settings import CommonSettings
from shared.vocabulary import default_vocabulary
from tests.processes import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TOKEN = "s3cret-web-token-for-tests"

Serve = Callable[..., Awaitable[str]]


@pytest.fixture
async def serve(redis_url: str, redis: object, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Serve]:
    """Start the notify HTTP app for real; ``await serve(token=..., **env)`` returns its base URL."""
    running: list[tuple[uvicorn.Server, asyncio.Task[None], Runtime]] = []

    async def start(token: str | None = None, **env: str) -> str:
        for name in [k for k in os.environ if k.startswith("NEWSALERT_") and k != "NEWSALERT_CI"]:
            monkeypatch.delenv(name)
        if token is not None:
            monkeypatch.setenv("NEWSALERT_API_TOKEN", token)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        await asyncio.to_thread(default_vocabulary)  # loaded once per process, as notify's matcher does at start
        port = free_port()
        settings = CommonSettings(redis_url=redis_url, http_host="127.0.0.1", http_port=port)
        runtime = Runtime(settings=settings, broker=make_broker(redis_url), client=make_client(redis_url))
        server = http_server(create_http_app(runtime), "127.0.0.1", port)
        task = asyncio.create_task(server.serve())
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        running.append((server, task, runtime))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, task, runtime in running:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        await runtime.client.aclose()


def require_chromium(path: Path) -> None:
    """Fail under CI (NEWSALERT_CI=1) when Chromium is missing, skip elsewhere; return when it is there."""
    if path.exists():
        return
    if os.environ.get("NEWSALERT_CI") == "1":
        pytest.fail(f"{path} is missing: install the Debian package chromium (.ci/run does)")
    pytest.skip(f"{path} is missing: apt-get install chromium to run the browser tests")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium driven by Playwright (see :func:`require_chromium`)."""
    require_chromium(CHROMIUM)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def screenshots() -> Path:
    """The folder screenshots go to (kept out of git)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
