"""Story grouping: near-duplicate reports of the same news share a story id, within a rolling window.

Each article leaves in Redis, for ``window_s``: its MinHash signature, its story, and one key
per band pointing at it. A new article reads the members its bands point at, compares
signatures, and joins the most similar story above the threshold or starts its own. All of
it runs in one Lua script, atomic, so two near-duplicates handled at the same moment still
end in one story; the articles handled together share one script call, made once per batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

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
local ttl, prefix = ARGV[1], ARGV[2]
local function assign(id, sig, need, bands)
  local mine = redis.call('GET', prefix .. ':of:' .. id)
  if mine then return mine end
  local keys, seen, story, best = {}, {}, id, -1
  for band in string.gmatch(bands, '%S+') do
    local key = prefix .. ':band:' .. band
    keys[#keys + 1] = key
    local member = redis.call('GET', key)
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
  for _, key in ipairs(keys) do redis.call('SET', key, id, 'PX', ttl) end
  return story
end
local stories = {}
for at = 3, #ARGV, 4 do
  local ok, story = pcall(assign, ARGV[at], ARGV[at + 1], tonumber(ARGV[at + 2]), ARGV[at + 3])
  if not ok then story = redis.error_reply(type(story) == 'table' and story.err or tostring(story)) end
  stories[#stories + 1] = story
end
return stories
"""
"""Assigns the articles of a batch in order (ARGV: ttl, prefix, then id, signature, needed matches, bands of each).

The reply holds each article's story, or the error that stopped its assignment alone.
"""


@dataclass(frozen=True, slots=True)
class _Request:
    """One article's part of the story script's arguments."""

    article_id: str
    packed: bytes
    need: int
    bands: str


class StoryStore:
    """Assigns each article to a story, sharing the id of earlier near-duplicates within the window.

    Articles handled together (a stage's batch runs its handlers concurrently) share one
    script call: the script assigns them one after another, in the order they asked, so a
    near-duplicate of an article earlier in the batch joins its story.
    """

    def __init__(self, client: aioredis.Redis, window_s: float = 72 * 3600) -> None:
        self.client = client
        self.window_s = window_s
        self._round_trip = RoundTrip(self._assign_all, lambda r: f"story grouping failed for article {r.article_id}")

    async def assign(self, article: Article, tags: Tags) -> str:
        """Return the story id of ``article``: an earlier near-duplicate's story, or its own id."""
        drawn = sketch(article)
        if drawn is None:
            return article.id
        request = _Request(article.id, drawn.packed, needed_matches(drawn.word_count), " ".join(drawn.bands))
        reply = await self._round_trip.ask(request)
        story = reply.decode() if isinstance(reply, bytes) else str(reply)
        if story != article.id:
            logger.debug("article joins story %s", story, extra={"article_id": article.id})
        return story

    async def _assign_all(self, requests: list[_Request]) -> Sequence[object]:
        """One script call for a turn's articles: their stories, or the error that stopped one alone."""
        args: list[bytes | str | int] = [int(self.window_s * 1000), STORY_KEYS]
        for request in requests:
            args += (request.article_id, request.packed, request.need, request.bands)
        # EVAL, not a registered script: redis-py would check it with a round trip per call
        replies: list[object] = await self.client.eval(_ASSIGN, 0, *args)
        return replies


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
