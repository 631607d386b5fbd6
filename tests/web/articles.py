"""Tagged articles written for the web tests: French and English Sahel news, with one hostile title."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from shared.commit import DATA_FIELD, encode_entry
from shared.models import ActorTag, Article, Mention, TaggedArticle, TopicTag
from shared.streams import TAGGED

HOSTILE_TITLE = '</b><script>alert(1)</script> & <a href="javascript:x">Niamey: AES ministers meet'

Actor = tuple[str, str, str, tuple[str, ...]]
"""(id, name, kind, words that mention it)."""
Topic = tuple[str, tuple[str, ...]]
"""(id, words that mention it)."""


def _mentions(title: str, text: str, words: tuple[str, ...]) -> tuple[Mention, ...]:
    found = []
    for field, body in (("title", title), ("text", text)):
        for word in words:
            start = body.find(word)
            if start >= 0:
                found.append(Mention(field=field, start=start, end=start + len(word), text=word))  # type: ignore[arg-type]
    return tuple(found)


def tagged(
    title: str,
    text: str,
    lang: str,
    *,
    days_ago: int,
    actors: tuple[Actor, ...] = (),
    topics: tuple[Topic, ...] = (),
    story: str | None = None,
    source: str = "example.org",
    now: datetime | None = None,
) -> TaggedArticle:
    """Build a tagged article whose mentions point at the given words in its title and text."""
    published = (now or datetime.now(UTC)) - timedelta(days=days_ago, hours=1)
    article_id = hashlib.sha256(title.encode()).hexdigest()[:16]
    article = Article(
        id=article_id,
        url=f"https://{source}/{article_id}",
        title=title,
        text=text,
        source=source,
        published=published,
        lang=lang,
    )
    return TaggedArticle(
        article=article,
        lang=lang,
        actors=tuple(
            ActorTag(id=i, name=n, kind=k, salience=0.8, mentions=_mentions(title, text, w))  # type: ignore[arg-type]
            for i, n, k, w in actors
        ),
        topics=tuple(TopicTag(id=i, score=0.9, mentions=_mentions(title, text, w)) for i, w in topics),
        story=story or f"story-{article_id}",
        tagged=published,
    )


AES: Actor = ("aes", "Alliance of Sahel States", "organisation", ("AES", "l’AES", "Alliance des États du Sahel"))
RUSSIA: Actor = ("russia", "Russia", "country", ("Russie", "Moscou", "Russia", "Moscow"))
NIGER: Actor = ("niger", "Niger", "country", ("Niger", "Niamey"))
MALI: Actor = ("mali", "Mali", "country", ("Mali", "Bamako"))
SUMMIT: Topic = ("summit", ("sommet", "summit"))


def corpus(now: datetime | None = None) -> list[TaggedArticle]:
    """Eight articles over five days; two outlets report the same Bamako summit story."""
    return [
        tagged(
            "Sommet de l’AES à Bamako : les chefs d’État veulent une force unifiée",
            "Les dirigeants de l’Alliance des États du Sahel se sont retrouvés à Bamako pour un sommet consacré "
            "à la sécurité. Le Mali, le Niger et le Burkina Faso annoncent une force conjointe de 5 000 hommes.",
            "fr",
            days_ago=1,
            actors=(AES, MALI, NIGER),
            topics=(SUMMIT,),
            story="story-bamako-summit",
            source="sahel-info.example",
            now=now,
        ),
        tagged(
            "AES summit in Bamako: Sahel leaders back a joint force",
            "Leaders of the Alliance of Sahel States met in Bamako for a summit on security. Mali, Niger and "
            "Burkina Faso announced a joint force of 5,000 troops, officials said.",
            "en",
            days_ago=1,
            actors=(AES, MALI, NIGER),
            topics=(SUMMIT,),
            story="story-bamako-summit",
            source="wire.example",
            now=now,
        ),
        tagged(
            "La Russie promet des livraisons de blé au Niger",
            "Moscou s’est engagée à livrer 25 000 tonnes de blé à Niamey d’ici la fin de l’année, a annoncé le "
            "ministère nigérien du Commerce.",
            "fr",
            days_ago=2,
            actors=(RUSSIA, NIGER),
            source="sahel-info.example",
            now=now,
        ),
        tagged(
            "AES ministers prepare the next summit in Niamey",
            "Foreign ministers of the AES met in Niamey to prepare the next summit of the confederation, "
            "with a single passport and a common investment bank on the agenda.",
            "en",
            days_ago=3,
            actors=(AES, NIGER),
            topics=(SUMMIT,),
            source="wire.example",
            now=now,
        ),
        tagged(
            "Orpaillage : Bamako suspend les permis artisanaux dans la région de Kayes",
            "Le gouvernement malien a suspendu pour trois mois les permis d’orpaillage artisanal après "
            "l’effondrement d’un puits qui a fait plusieurs victimes.",
            "fr",
            days_ago=3,
            actors=(MALI,),
            source="sahel-info.example",
            now=now,
        ),
        tagged(
            "Football : le Mali qualifié pour la phase finale",
            "Les Aigles du Mali ont battu la Guinée deux buts à un et se qualifient pour la phase finale.",
            "fr",
            days_ago=4,
            actors=(MALI,),
            source="sport.example",
            now=now,
        ),
        tagged(
            HOSTILE_TITLE,
            "Ministers of the AES met in Niamey. <img src=x onerror=alert(2)> The summit communiqué is expected "
            "on Friday.",
            "en",
            days_ago=4,
            actors=(AES, NIGER),
            topics=(SUMMIT,),
            source="hostile.example",
            now=now,
        ),
        tagged(
            "Moscow and Bamako sign a nuclear energy memorandum",
            "Russia and Mali signed a memorandum on a small nuclear plant near Bamako, Moscow said on Tuesday.",
            "en",
            days_ago=5,
            actors=(RUSSIA, MALI),
            source="wire.example",
            now=now,
        ),
    ]


async def seed(client: aioredis.Redis, articles: list[TaggedArticle]) -> None:
    """Append the articles to the tagged stream, oldest first, as classify would have."""
    for article in sorted(articles, key=lambda a: a.tagged):
        await client.xadd(TAGGED, {DATA_FIELD: encode_entry(article)})
