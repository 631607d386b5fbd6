"""What a subscription must satisfy to be saved: a query that compiles, targets that can deliver."""

from __future__ import annotations

from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.targets import validate_target
from services.notify.rules.query import Compiler
from services.notify.rules.store import Check
from services.notify.rules.subscriptions import Subscription
from shared.errors import InputError


def admission(compiler: Compiler, allow_private: bool | None = None) -> Check:
    """Build the check the store runs before saving: QueryError or InputError name the problem.

    Targets may reach private addresses only when ``allow_private`` (by default, the
    delivery setting ``NEWSALERT_ALLOW_PRIVATE_TARGETS``) says so.
    """
    if allow_private is None:
        allow_private = DeliverySettings().allow_private_targets

    def check(sub: Subscription) -> None:
        compiler.compile(sub.query)
        seen: set[str] = set()
        for number, target in enumerate(sub.targets, start=1):
            value = target.get_secret_value()
            try:
                validate_target(value, allow_private=allow_private)
            except InputError as e:
                raise InputError(f"notify target {number}: {e}") from e
            if value in seen:
                raise InputError(f"notify target {number}: listed twice")
            seen.add(value)

    return check
