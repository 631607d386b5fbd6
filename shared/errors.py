"""Errors newsalert raises, wrapped at the boundary of every third-party library.

NewsalertError
├── ConfigError            a setting or config file is wrong; the process cannot start
├── RedisUnavailable       no Redis answers at the configured address
├── InputError             one input (article, feed, rule, payload) is invalid; skip it, keep going
│   └── QueryError         a watch rule does not parse; carries the column
└── DeliveryError          an alert could not be delivered
    ├── TransientError     try again later (``retry_after_s`` when the peer said when)
    └── PermanentError     retrying cannot help; dead-letter at once
"""


class NewsalertError(Exception):
    """Base of every error newsalert raises on purpose."""


class ConfigError(NewsalertError):
    """A setting or configuration file is invalid."""


class RedisUnavailable(NewsalertError):
    """No Redis server answered at the configured address."""


class InputError(NewsalertError):
    """One input is invalid; the service skips it and goes on."""


class QueryError(InputError):
    """A watch rule query is invalid; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


class DeliveryError(NewsalertError):
    """An alert could not be delivered to a target."""


class TransientError(DeliveryError):
    """Delivery failed in a way that may succeed later."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentError(DeliveryError):
    """Delivery failed in a way no retry can fix."""
