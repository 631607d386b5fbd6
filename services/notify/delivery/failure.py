"""How a failed send is named: the delivery errors the channels raise beyond shared.errors."""

from __future__ import annotations

from shared.errors import TransientError


class AmbiguousError(TransientError):
    """The peer may have accepted the message but its answer was lost; a retry may duplicate it."""
