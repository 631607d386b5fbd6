"""Story grouping: near-duplicate reports of the same news share a story id, within a rolling window.

Each article leaves in Redis, for ``window_s``: its MinHash signature, its story, and one key
per band pointing at it. A new article reads the members its bands point at, compares
signatures, and joins the most similar story above the threshold or starts its own. All of
it runs in one Lua script, atomic, so two near-duplicates handled at the same moment still
end in one story; the scripts of articles handled together share one round trip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline

from services.classify.sketch import HASHES, bands, features, signature, sketch
from services.classify.tagger import Tags
from shared.models import Article
from shared.roundtrip import RoundTrip
from shared.streams import PREFIX

logger = logging.getLogger(__name__)

STORY_KEYS = f"{PREFIX}:story"
SIMILARITY_THRESHOLD = 0.4
"""Estimated Jaccard similarity of title-and-lead words above which two articles are one story."""
SHORT_THRESHOLD = 0.9
MIN_WORDS = 8
"""Below this many content words (a bare headline), only a near-copy joins: "Mali : attaque à Djibo" and
"Mali : attaque à Kaya" share half their words but not their news."""


def needed_matches(word_count: int) -> int:
    """How many of the signature's values must agree for an article with ``word_count`` content words."""
    threshold = SIMILARITY_THRESHOLD if word_count >= MIN_WORDS else SHORT_THRESHOLD
    return int(threshold * HASHES + 0.999)


_ASSIGN = """
local id, sig, need, ttl, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local mine = redis.call('GET', prefix .. ':of:' .. id)
if mine then return mine end
local seen, story, best = {}, id, -1
for _, band in ipairs(KEYS) do
  local member = redis.call('GET', band)
  if member and not seen[member] then
    seen[member] = true
    local other = redis.call('GET', prefix .. ':sig:' .. member)
    local theirs = redis.call('GET', prefix .. ':of:' .. member)
    if other and theirs and #other == #sig then
      local same = 0
      for i = 1, #sig, 8 do
        if string.sub(sig, i, i + 7) == string.sub(other, i, i + 7) then same = same + 1 end
      end
      if same >= need and same > best then story, best = theirs, same end
    end
  end
end
redis.call('SET', prefix .. ':of:' .. id, story, 'PX', ttl)
redis.call('SET', prefix .. ':sig:' .. id, sig, 'PX', ttl)
for _, band in ipairs(KEYS) do redis.call('SET', band, id, 'PX', ttl) end
return story
"""


@dataclass(frozen=True, slots=True)
class _Request:
    """One article's story script call."""

    article_id: str
    keys: list[str]
    args: list[bytes | str | int]


class StoryStore:
    """Assigns each article to a story, sharing the id of earlier near-duplicates within the window.

    Articles handled together (a stage's batch runs its handlers concurrently) share one
    round trip, where the scripts still run one after another, each atomic.
    """

    def __init__(self, client: aioredis.Redis, window_s: float = 72 * 3600) -> None:
        self.client = client
        self.window_s = window_s
        self._round_trip = RoundTrip(client, self._queue, lambda r: f"story grouping failed for article {r.article_id}")

    async def assign(self, article: Article, tags: Tags) -> str:
        """Return the story id of ``article``: an earlier near-duplicate's story, or its own id."""
        drawn = sketch(article)
        if drawn is None:
            return article.id
        keys = [f"{STORY_KEYS}:band:{band}" for band in drawn.bands]
        need = needed_matches(drawn.word_count)
        args: list[bytes | str | int] = [article.id, drawn.packed, need, int(self.window_s * 1000), STORY_KEYS]
        reply = await self._round_trip.ask(_Request(article.id, keys, args))
        result = reply.decode() if isinstance(reply, bytes) else str(reply)
        if result != article.id:
            logger.debug("article joins story %s", result, extra={"article_id": article.id})
        return result

    async def _queue(self, pipe: Pipeline, requests: list[_Request]) -> None:
        for request in requests:
            # EVAL, not a registered script: redis-py would check it with a round trip per flush
            pipe.eval(_ASSIGN, len(request.keys), *request.keys, *request.args)


class LocalStories:
    """The same grouping in memory, for offline tagging of one batch (``newsalert tag``)."""

    def __init__(self) -> None:
        self._bands: dict[str, str] = {}
        self._signatures: dict[str, tuple[int, ...]] = {}
        self._stories: dict[str, str] = {}

    def assign(self, article: Article) -> str:
        """Return the story id of ``article`` among the articles seen so far."""
        if article.id in self._stories:
            return self._stories[article.id]
        words = features(article)
        sig = signature(words)
        if not sig:
            return article.id
        story, best = article.id, -1
        need = needed_matches(len(words))
        keys = bands(sig)
        for member in dict.fromkeys(m for m in (self._bands.get(k) for k in keys) if m is not None):
            same = sum(1 for a, b in zip(sig, self._signatures[member], strict=True) if a == b)
            if same >= need and same > best:
                story, best = self._stories[member], same
        self._stories[article.id] = story
        self._signatures[article.id] = sig
        self._bands.update(dict.fromkeys(keys, article.id))
        return story
