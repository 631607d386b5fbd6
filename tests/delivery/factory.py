"""Alerts built from articles written for these tests (French and English news prose)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from shared.models import Alert, Article, Mention, TaggedArticle, TermEvidence

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
HOSTILE_TITLE = '</b><script>alert(1)</script> & <a href="javascript:x">Hi\r\nBcc: evil@example.test'

FRENCH_TITLE = "Niamey : la Russie promet un appui militaire aux pays de l'AES"
FRENCH_TEXT = (
    "Le ministre nigérien de la Défense a reçu mardi une délégation venue de Moscou. "
    "Selon un communiqué lu à la télévision publique, les deux parties ont évoqué la livraison "
    "d'équipements et la formation d'officiers. La Russie entend renforcer sa présence au Sahel, "
    "où l'Alliance des États du Sahel (AES) réunit le Niger, le Mali et le Burkina Faso depuis 2023. "
    "Un sommet des chefs d'État de l'AES est annoncé pour la fin du mois à Bamako."
)
ENGLISH_TITLE = "Sahel alliance leaders to meet Russian envoy ahead of Bamako summit"
ENGLISH_TEXT = (
    "Leaders of the Alliance of Sahel States will receive a Russian delegation next week, "
    "officials in Niamey said on Tuesday. The talks in Moscow last month focused on security "
    "cooperation and grain deliveries, according to a statement from the Kremlin."
)


def _mention(field: str, text: str, needle: str) -> Mention:
    start = text.index(needle)
    return Mention(field=field, start=start, end=start + len(needle), text=needle)  # type: ignore[arg-type]


def article(
    *,
    title: str = FRENCH_TITLE,
    text: str = FRENCH_TEXT,
    source: str = "aniamey.com",
    url: str | None = "https://www.aniamey.com/article/russie-aes.html",
    published: datetime | None = None,
    seed: str = "a",
) -> Article:
    """A tagged-ready article with a stable id derived from ``seed``."""
    return Article(
        id=hashlib.sha256(seed.encode()).hexdigest()[:16],
        url=url,
        title=title,
        text=text,
        source=source,
        published=published or NOW - timedelta(hours=1),
        fetched=NOW,
        lang="fr",
        feed=source,
    )


def alert(
    *,
    subscription: str = "sub-aes",
    name: str = "aes-russia",
    channel: str = "chan0",
    story: str = "story-1",
    seed: str = "a",
    **article_fields: object,
) -> Alert:
    """An alert for ``subscription`` on ``channel`` with evidence in title and text."""
    art = article(seed=seed, **article_fields)  # type: ignore[arg-type]
    why: list[TermEvidence] = []
    if "Russie" in art.title and "Moscou" in art.text:
        why.append(
            TermEvidence(
                term="Russia",
                kind="actor",
                ref="russia",
                held=True,
                mentions=(_mention("title", art.title, "Russie"), _mention("text", art.text, "Moscou")),
            )
        )
    if "AES" in art.text:
        why.append(
            TermEvidence(term="AES", kind="actor", ref="aes", held=True, mentions=(_mention("text", art.text, "AES"),))
        )
    tagged = TaggedArticle(article=art, lang="fr", story=story, tagged=NOW)
    return Alert(
        id=hashlib.sha256(f"{subscription}|{art.id}|{channel}".encode()).hexdigest()[:24],
        subscription=subscription,
        subscription_name=name,
        channel=channel,
        story=story,
        tagged=tagged,
        why=tuple(why),
        created=NOW,
    )
