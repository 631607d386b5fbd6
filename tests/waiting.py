"""Waiting on observable state with a timeout: the only way tests synchronise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0, interval_s: float = 0.02, what: str = "condition"
) -> None:
    """Poll ``check`` until it holds; fail the test with ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(interval_s)
