"""Subscriptions as delivery reads them: fresh from Redis for every alert, parsed once per version.

The courier looks a subscription up for every alert it accepts and every alert it sends, so
that a rule disabled or edited a moment ago is obeyed. The read goes through the courier's
:class:`Coalescer` (one round trip for the lookups of a whole batch), and the stored JSON is
parsed again only when it changed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from services.notify.delivery.coalescer import Coalescer
from services.notify.rules.store import SUBSCRIPTIONS
from services.notify.rules.subscriptions import Subscription, load

logger = logging.getLogger(__name__)

PARSED_KEPT = 16_384
"""Subscriptions kept parsed, by id, with the exact bytes they were parsed from."""


class SubscriptionLookup:
    """Reads one subscription at a time, as :class:`~services.notify.rules.store.SubscriptionStore` does."""

    def __init__(self, rounds: Coalescer, key: str = SUBSCRIPTIONS) -> None:
        self.rounds = rounds
        self.key = key
        self._parsed: OrderedDict[str, tuple[bytes, Subscription]] = OrderedDict()

    async def get(self, sub_id: str) -> Subscription | None:
        """Return the subscription ``sub_id`` as stored now, or None (also when unreadable, which is logged)."""
        (raw,) = await self.rounds.run(lambda pipe: pipe.hget(self.key, sub_id))
        if raw is None:
            self._parsed.pop(sub_id, None)
            return None
        return self.parse(sub_id, raw)

    def parse(self, sub_id: str, raw: bytes) -> Subscription | None:
        """The subscription stored as ``raw``, parsed only when those bytes were not parsed before."""
        kept = self._parsed.get(sub_id)
        if kept is not None and kept[0] == raw:
            self._parsed.move_to_end(sub_id)
            return kept[1]
        try:
            sub = load(raw)
        except ValueError:
            logger.exception("unreadable subscription", extra={"subscription": sub_id})
            return None
        self._parsed[sub_id] = (raw, sub)
        if len(self._parsed) > PARSED_KEPT:
            self._parsed.popitem(last=False)
        return sub
