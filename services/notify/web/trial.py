"""Send a test alert to one target of a rule, through the same channels real alerts use."""

from __future__ import annotations

import secrets

from services.notify.delivery.push import Pusher
from services.notify.delivery.sender import Sender
from services.notify.delivery.settings import DeliverySettings
from services.notify.delivery.smtp import Mailer
from services.notify.delivery.targets import validate_target
from services.notify.rules.subscriptions import Subscription
from shared.errors import InputError
from shared.models import Alert, Article, TaggedArticle, utc_now

TEST_TITLE = "newsalert: test alert / alerte de test"
TEST_TEXT = (
    "This is a test alert sent from the newsalert web page to check that this target receives alerts. "
    "Ceci est une alerte de test envoyée depuis la page web de newsalert pour vérifier ce destinataire."
)


def sample_alert(sub: Subscription, channel: str) -> Alert:
    """A harmless alert for ``sub`` on ``channel`` that says it is a test."""
    nonce = secrets.token_hex(8)
    article = Article(id=nonce, title=TEST_TITLE, text=TEST_TEXT, source="newsalert", lang="en")
    tagged = TaggedArticle(article=article, lang="en", story=f"test-{nonce}")
    return Alert(
        id=f"test-{nonce}",
        subscription=sub.id,
        subscription_name=sub.name,
        channel=channel,
        story=tagged.story,
        tagged=tagged,
    )


async def send_test_alert(sub: Subscription, channel: str, settings: DeliverySettings) -> None:
    """Send a test alert to the target ``channel`` of ``sub``; raise InputError or a DeliveryError saying why not."""
    target = sub.channels().get(channel)
    if target is None:
        raise InputError("this rule has no such target")
    validate_target(target, allow_private=settings.allow_private_targets)
    sender = Sender(settings, Mailer(settings), Pusher(settings))
    try:
        await sender.send(sub, target, [sample_alert(sub, channel)], utc_now())
    finally:
        await sender.close()
