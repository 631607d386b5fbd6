"""Why one fetch or one document failed: recorded on its feed, never fatal to the poller.

InputError (shared.errors)
└── FetchFailed        the source could not be fetched or read; ``retry_after_s`` when it said when
    ├── Refused        a guard refused the URL or the document (private address, XML entities, size)
    └── Gone           the source answered 410 Gone: its feed is disabled
"""

from __future__ import annotations

from shared.errors import InputError


class FetchFailed(InputError):
    """A source could not be fetched or its document could not be read."""

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class Refused(FetchFailed):
    """A guard refused a URL or a document before it could do harm."""


class Gone(FetchFailed):
    """The source answered 410 Gone."""
