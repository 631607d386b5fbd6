"""What observability costs: the latency histogram around a handler, redaction and JSON formatting of a log line.

Each figure is a ratio to a baseline measured in the same run: a bare ``await`` of the handler,
and a plain ``logging.Formatter`` line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from shared.logs import JsonFormatter, RedactingFilter
from shared.metrics import render, timed

CALLS = 50_000
LINES = 20_000


async def _handler() -> int:
    return 1


async def _bare(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await _handler()
    return time.perf_counter() - start


async def _timed(n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await timed("bench", _handler())
    return time.perf_counter() - start


def _record() -> logging.LogRecord:
    record = logging.LogRecord(
        "services.notify.delivery.courier",
        logging.WARNING,
        __file__,
        1,
        "push to %s failed: %s",
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234567890", "HTTP 502 Bad Gateway"),
        None,
    )
    record.subscription, record.channel = "9c0fe462d217e3fb", "64230416b582ed90"
    return record


def _lines(format_line: Callable[[logging.LogRecord], str], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        format_line(_record())
    return time.perf_counter() - start


def main() -> None:
    """Print the per-call cost of each observability piece and its ratio to the baseline."""
    bare = min(asyncio.run(_bare(CALLS)) for _ in range(3))
    with_histogram = min(asyncio.run(_timed(CALLS)) for _ in range(3))
    print(
        f"handler latency histogram: {with_histogram / CALLS * 1e6:.2f} us per call, "
        f"bare await {bare / CALLS * 1e6:.2f} us: ratio {with_histogram / bare:.1f}"
    )
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    json_formatter, redacting = JsonFormatter(), RedactingFilter()

    def structured(record: logging.LogRecord) -> str:
        redacting.filter(record)
        return json_formatter.format(record)

    base = min(_lines(plain.format, LINES) for _ in range(3))
    ours = min(_lines(structured, LINES) for _ in range(3))
    print(
        f"log line, redacted JSON: {ours / LINES * 1e6:.1f} us, plain text {base / LINES * 1e6:.1f} us: "
        f"ratio {ours / base:.1f}"
    )
    start = time.perf_counter()
    for _ in range(200):
        render()
    print(f"/metrics exposition (this process): {(time.perf_counter() - start) / 200 * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
