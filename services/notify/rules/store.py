"""Subscriptions kept in Redis, with a change feed every notify replica follows.

Layout: a hash ``newsalert:subscriptions`` (id -> JSON), a hash of names
``newsalert:subscriptions:names`` (name -> id, names are unique) and a stream
``newsalert:subscriptions:changes`` with one entry per saved or removed id. Each
write is one Lua script, so the three never disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from services.notify.rules.subscriptions import Subscription, dump, load
from shared.errors import InputError, RedisUnavailable
from shared.models import utc_now
from shared.streams import PREFIX

logger = logging.getLogger(__name__)

SUBSCRIPTIONS = f"{PREFIX}:subscriptions"
NAMES = f"{PREFIX}:subscriptions:names"
CHANGES = f"{PREFIX}:subscriptions:changes"
CHANGES_MAXLEN = 10_000

_SAVE = """
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return 0 end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local previous = cjson.decode(old)['name']
  if previous ~= ARGV[2] then redis.call('HDEL', KEYS[2], previous) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'id', ARGV[1])
return 1
"""

_REMOVE = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
redis.call('HDEL', KEYS[2], cjson.decode(old)['name'])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'id', ARGV[1])
return 1
"""

Check = Callable[[Subscription], None]


class SubscriptionStore:
    """Read and write subscriptions; ``check`` validates a subscription before it is saved."""

    def __init__(self, redis: aioredis.Redis, check: Check | None = None) -> None:
        self.redis = redis
        self.check = check
        self._save = redis.register_script(_SAVE)
        self._remove = redis.register_script(_REMOVE)

    async def _call(self, what: str, command: Any) -> Any:
        try:
            return await command
        except RedisError as e:
            raise RedisUnavailable(f"subscription store: cannot {what}: {e}") from e

    async def get(self, sub_id: str) -> Subscription | None:
        """Return the subscription ``sub_id``, or None (also when it is unreadable, which is logged)."""
        raw = await self._call("read a subscription", self.redis.hget(SUBSCRIPTIONS, sub_id))
        if raw is None:
            return None
        try:
            return load(raw)
        except ValueError:
            logger.exception("unreadable subscription", extra={"subscription": sub_id})
            return None

    async def get_by_name(self, name: str) -> Subscription | None:
        """Return the subscription named ``name``, or None."""
        sub_id = await self._call("read a name", self.redis.hget(NAMES, name.strip()))
        return await self.get(sub_id.decode() if isinstance(sub_id, bytes) else sub_id) if sub_id else None

    async def all(self) -> list[Subscription]:
        """Return every subscription, oldest first; an unreadable entry is logged and skipped."""
        raw = await self._call("list subscriptions", self.redis.hgetall(SUBSCRIPTIONS))
        subs = []
        for key, value in raw.items():
            try:
                subs.append(load(value))
            except ValueError:
                logger.exception("skipping unreadable subscription", extra={"subscription": str(key)})
        return sorted(subs, key=lambda s: (s.created, s.id))

    async def save(self, sub: Subscription) -> Subscription:
        """Create or replace ``sub`` (keeping its creation time), after checking it."""
        if self.check is not None:
            self.check(sub)
        existing = await self.get(sub.id)
        now = utc_now()
        created: datetime = existing.created if existing is not None else sub.created
        saved = sub.model_copy(update={"created": created, "updated": now})
        ok = await self._call(
            "save a subscription",
            self._save(keys=[SUBSCRIPTIONS, NAMES, CHANGES], args=[saved.id, saved.name, dump(saved), CHANGES_MAXLEN]),
        )
        if not ok:
            raise InputError(f"subscription name {saved.name!r} is already taken")
        logger.info("saved subscription %s", saved.name, extra={"subscription": saved.id})
        return saved

    async def remove(self, sub_id: str) -> bool:
        """Delete a subscription; False when there was none."""
        done = await self._call(
            "remove a subscription", self._remove(keys=[SUBSCRIPTIONS, NAMES, CHANGES], args=[sub_id, CHANGES_MAXLEN])
        )
        if done:
            logger.info("removed subscription", extra={"subscription": sub_id})
        return bool(done)

    async def set_enabled(self, sub_id: str, enabled: bool) -> Subscription | None:
        """Enable or disable a subscription (used by one-click unsubscribe); None if unknown."""
        sub = await self.get(sub_id)
        if sub is None:
            return None
        if sub.enabled == enabled:
            return sub
        return await self.save(sub.model_copy(update={"enabled": enabled}))

    async def cursor(self) -> str:
        """Return the id of the latest change, from which :meth:`changes` reads on."""
        last = await self._call("read the change feed", self.redis.xrevrange(CHANGES, count=1))
        if not last:
            return "0-0"
        entry_id = last[0][0]
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def changes(self, cursor: str, block_ms: int) -> tuple[str, set[str]]:
        """Wait up to ``block_ms`` for changes after ``cursor``; return the new cursor and changed ids."""
        reply = await self._call(
            "read the change feed", self.redis.xread({CHANGES: cursor}, count=1_000, block=block_ms)
        )
        changed: set[str] = set()
        for _stream, entries in reply or ():
            for entry_id, fields in entries:
                cursor = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                raw = fields.get(b"id", fields.get("id"))
                if raw is not None:
                    changed.add(raw.decode() if isinstance(raw, bytes) else str(raw))
        return cursor, changed
