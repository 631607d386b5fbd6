"""How targets are shown on pages: enough to recognise them, never their tokens."""

from __future__ import annotations

from services.notify.delivery.targets import target_kind
from services.notify.rules.subscriptions import channel_id

HINT_CHARS = 4


def mask_target(target: str) -> str:
    """Show an email as ``mailto:j…@example.org`` and a chat URL as its scheme plus a short channel hint."""
    hint = channel_id(target)[:HINT_CHARS]
    if target_kind(target) == "email":
        local, _, domain = target[len("mailto:") :].rpartition("@")
        return f"mailto:{local[:1]}…@{domain}" if local and domain else f"mailto:… #{hint}"
    scheme = target.split("://", 1)[0].lower() if "://" in target else "?"
    return f"{scheme}://… #{hint}"
