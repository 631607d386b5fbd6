"""Benchmark of the rule index: compile time and per-article matching cost at 1k, 10k and 100k rules.

Workload (issue 4): ~3,000 actor, topic and keyword ids whose popularity follows a Zipf
law of exponent 0.8, both in rules and in articles; each rule has 2 to 4 AND groups,
some groups are ORs of two terms, some rules exclude a term. The baseline is a linear
scan that evaluates every rule, measured on the same articles in the same run.

Compile time covers parsing, resolving and building the index (the index part is also
given alone), each round from the query texts with a fresh compiler; the best of
``COMPILE_ROUNDS`` is reported, and the first round alone (a process's first load also
pays for fresh memory). Times are CPU times of this process (``time.process_time``): the
benchmark box is shared, and wall time there measures the neighbours as much as the code.
Compile time is also given as wall time.

Matching is timed on a fresh index (``median_ms``, ``p99_ms``), then again on the same
articles once each has been matched ``REGROUP_AFTER_LOOKS`` times (``warm_*``): the index
regroups the large postings of keys it looks up often, as it does in a running process.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence

from services.notify.rules.book import paused_gc
from services.notify.rules.facts import Affiliations, Facts, facts_of
from services.notify.rules.index import REGROUP_AFTER_LOOKS, RuleIndex
from services.notify.rules.query import Compiler
from shared.models import ActorTag, Article, Mention, TaggedArticle, TopicTag
from shared.vocabulary import Vocabulary, default_vocabulary

ID_COUNT = 3_000
ZIPF_S = 0.8
IDS_PER_ARTICLE = 30
ARTICLES = 200
SCAN_ARTICLES = 40
SIZES = (1_000, 10_000, 100_000)
SEED = 4
COMPILE_ROUNDS = 3
"""Compile time is the best of this many rounds, each from the query texts with a fresh compiler."""
_SYLLABLES = ("ba", "do", "ki", "lu", "me", "no", "pa", "ri", "so", "tu", "va", "ze", "mor", "tal", "gen", "fir")
_FILLER = [
    "le",
    "la",
    "les",
    "des",
    "une",
    "avec",
    "pour",
    "dans",
    "sur",
    "après",
    "selon",
    "the",
    "of",
    "and",
    "with",
    "from",
    "after",
    "their",
    "about",
]


def id_space(vocabulary: Vocabulary, rng: random.Random) -> list[tuple[str, str]]:
    """Return ~3,000 (kind, id) pairs, in popularity order: vocabulary actors and topics, then keywords."""
    entries = sorted(vocabulary.entries.values(), key=lambda e: e.id)
    topics = [("topic", e.id) for e in entries if e.kind == "topic"]
    actors = [("actor", e.id) for e in entries if e.kind != "topic"][:1_000]
    words: set[str] = set()
    while len(words) < ID_COUNT - len(topics) - len(actors):
        word = "".join(rng.choice(_SYLLABLES) for _ in range(3))
        if not vocabulary.resolve(word):
            words.add(word)
    space = topics + actors + [("word", w) for w in sorted(words)]
    rng.shuffle(space)
    return space


def zipf_weights(n: int) -> list[float]:
    """Return Zipf(0.8) weights for ranks 1..n."""
    return [1 / (rank**ZIPF_S) for rank in range(1, n + 1)]


def make_rules(space: Sequence[tuple[str, str]], weights: Sequence[float], n: int, rng: random.Random) -> list[str]:
    """Return ``n`` queries with 2 to 4 AND groups, some ORs and some NOTs."""
    rules = []
    for _ in range(n):
        picks = rng.choices(space, weights, k=9)
        groups = []
        for g in range(rng.randint(2, 4)):
            kind, ref = picks[g]
            term = f"{kind}:{ref}"
            if rng.random() < 0.2:
                other_kind, other = picks[4 + g]
                term = f"({term} OR {other_kind}:{other})"
            groups.append(term)
        if rng.random() < 0.25:
            kind, ref = picks[8]
            groups.append(f"-{kind}:{ref}")
        rules.append(" ".join(groups))
    return rules


def make_article(
    space: Sequence[tuple[str, str]], weights: Sequence[float], i: int, rng: random.Random
) -> TaggedArticle:
    """Return one synthetic tagged article showing ~40 ids drawn from the same popularity law."""
    picks = set(rng.choices(space, weights, k=IDS_PER_ARTICLE))
    words = [ref for kind, ref in picks if kind == "word"]
    body = " ".join(rng.choice(_FILLER) + " " + w for w in words) + " " + " ".join(rng.choices(_FILLER, k=200))
    mention = Mention(field="text", start=0, end=2, text=body[:2])
    actors = tuple(
        ActorTag(id=ref, name=ref, kind="country", salience=0.5, mentions=(mention,))
        for kind, ref in sorted(picks)
        if kind == "actor"
    )
    topics = tuple(TopicTag(id=ref, score=0.5) for kind, ref in sorted(picks) if kind == "topic")
    article = Article(id=f"{i:016x}", title=f"Article {i}", text=body, source="example.com", lang="fr")
    return TaggedArticle(article=article, lang=rng.choice(("fr", "en")), actors=actors, topics=topics, story=f"s{i}")


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def compile_rules(queries: list[str], vocabulary: Vocabulary) -> tuple[RuleIndex, float, float, float]:
    """Compile ``queries`` from their text with a fresh compiler into a new index.

    Returns the index, the wall and CPU seconds it took, and the CPU seconds of the index build alone.
    """
    started, started_cpu = time.perf_counter(), time.process_time()
    with paused_gc():  # as the notify rule book loads its rules
        compiler = Compiler(vocabulary)
        index = RuleIndex()
        compiled = [(str(i), compiler.compile(q)) for i, q in enumerate(queries)]
        parsed_cpu = time.process_time()
        index.build(compiled)
    done_cpu = time.process_time()
    return index, time.perf_counter() - started, done_cpu - started_cpu, done_cpu - parsed_cpu


def run_size(queries: list[str], vocabulary: Vocabulary, facts: list[Facts]) -> dict[str, float]:
    """Compile ``queries`` into an index (best of a few rounds), then time indexed matching against a linear scan."""
    rounds = [compile_rules(queries, vocabulary) for _ in range(COMPILE_ROUNDS)]
    index, compile_s, compile_cpu_s, build_cpu_s = min(rounds, key=lambda r: r[2])
    first_cpu_s = rounds[0][2]
    del rounds
    indexed, candidates, evaluated = [], [], []
    for f in facts:
        t0 = time.process_time()
        index.match(f)
        indexed.append(time.process_time() - t0)
        candidates.append(index.last_candidates)
        evaluated.append(index.last_evaluated)
    for _ in range(REGROUP_AFTER_LOOKS - 1):  # untimed: every key of these articles looked up often enough
        for f in facts:
            index.match(f)
    warm = []
    for f in facts:
        t0 = time.process_time()
        index.match(f)
        warm.append(time.process_time() - t0)
    scanned = []
    for f in facts[:SCAN_ARTICLES]:
        t0 = time.process_time()
        expected = index.scan(f)
        scanned.append(time.process_time() - t0)
        if index.match(f) != expected:
            raise AssertionError("index and linear scan disagree")
    return {
        "compile_s": compile_s,
        "compile_cpu_s": compile_cpu_s,
        "first_cpu_s": first_cpu_s,
        "build_cpu_s": build_cpu_s,
        "median_ms": statistics.median(indexed) * 1e3,
        "p99_ms": percentile(indexed, 0.99) * 1e3,
        "warm_median_ms": statistics.median(warm) * 1e3,
        "warm_p99_ms": percentile(warm, 0.99) * 1e3,
        "candidates": statistics.mean(candidates),
        "evaluated": statistics.mean(evaluated),
        "scan_median_ms": statistics.median(scanned) * 1e3,
        "speedup": statistics.median(scanned) / statistics.median(indexed[:SCAN_ARTICLES]),
    }


def main() -> None:
    """Print the benchmark table."""
    rng = random.Random(SEED)
    vocabulary = default_vocabulary()
    affiliations = Affiliations(vocabulary)
    space = id_space(vocabulary, rng)
    weights = zipf_weights(len(space))
    articles = [make_article(space, weights, i, rng) for i in range(ARTICLES)]
    t0 = time.process_time()
    facts = [facts_of(a, affiliations) for a in articles]
    facts_ms = (time.process_time() - t0) / len(articles) * 1e3
    calibration = time.process_time()
    for _ in range(10_000_000):
        pass
    calibration = time.process_time() - calibration
    print(f"rules: {len(space)} ids, Zipf {ZIPF_S}, {ARTICLES} articles of ~{IDS_PER_ARTICLE} ids")
    print(f"rules: machine: an empty loop of 10M takes {calibration:.2f} s CPU")
    print(f"rules: article facts (keys of the text, stems, affiliations) {facts_ms:.2f} ms CPU per article")
    print(
        "rules:   rules  compile_cpu_s  (index_cpu_s)  (first_cpu_s)  compile_wall_s  median_ms  p99_ms"
        "  warm_median_ms  warm_p99_ms  candidates  evaluated  scan_median_ms  speedup"
    )
    for size in SIZES:
        r = run_size(make_rules(space, weights, size, rng), vocabulary, facts)
        print(
            f"rules: {size:>7}  {r['compile_cpu_s']:13.2f}  {r['build_cpu_s']:13.2f}  {r['first_cpu_s']:13.2f}"
            f"  {r['compile_s']:14.2f}"
            f"  {r['median_ms']:9.3f}"
            f"  {r['p99_ms']:6.3f}  {r['warm_median_ms']:14.3f}  {r['warm_p99_ms']:11.3f}"
            f"  {r['candidates']:10.0f}  {r['evaluated']:9.0f}"
            f"  {r['scan_median_ms']:14.2f}  {r['speedup']:6.1f}x"
        )


if __name__ == "__main__":
    main()
