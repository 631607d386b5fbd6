"""Stream, group and key names, and the limits that go with them: the only place they are spelled."""

PREFIX = "newsalert"

ARTICLES = f"{PREFIX}:articles"
"""ingest -> classify: :class:`shared.models.Article`."""
TAGGED = f"{PREFIX}:tagged"
"""classify -> notify: :class:`shared.models.TaggedArticle`."""
ALERTS = f"{PREFIX}:alerts"
"""notify matcher -> notify delivery: :class:`shared.models.Alert`."""

CLASSIFY_GROUP = "classify"
NOTIFY_GROUP = "notify"
DELIVER_GROUP = "deliver"

STAGES = ((ARTICLES, CLASSIFY_GROUP), (TAGGED, NOTIFY_GROUP), (ALERTS, DELIVER_GROUP))
"""Every (stream, consumer group) pair of the pipeline, in pipeline order."""

STREAM_MAXLEN = 1_000_000
"""Approximate cap on every stream: far above any plausible backlog (see README)."""
DEAD_MAXLEN = 100_000
DONE_TTL_S = 14 * 86_400
"""How long an idempotency mark outlives the input it records."""


def dead(stream: str) -> str:
    """Return the dead-letter stream of ``stream``."""
    return f"{stream}:dead"


def done_key(group: str, key: str) -> str:
    """Return the idempotency mark a stage sets once an input is fully handled."""
    return f"{PREFIX}:done:{group}:{key}"


INGESTED = f"{PREFIX}:ingested"
"""Sorted set: article id -> ingestion time (epoch seconds), for `newsalert articles`."""
ARTICLE_TTL_S = 30 * 86_400
"""Retention of ingested and tagged articles kept for listings and backtests."""


def article_key(article_id: str) -> str:
    """The key holding one ingested article as JSON."""
    return f"{PREFIX}:article:{article_id}"


def seen_key(article_id: str) -> str:
    """The key holding the content revision last published for an article id."""
    return f"{PREFIX}:seen:{article_id}"
