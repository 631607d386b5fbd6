"""Articles written for the fault suite: French and English news items with distinct titles and dates."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.ingest.intake import article_from_record

PLACES_FR = ("Niamey", "Bamako", "Ouagadougou", "Dakar", "Abidjan", "Nouakchott", "N'Djamena", "Conakry")
PLACES_EN = ("Abuja", "Accra", "Nairobi", "Addis Ababa", "Kampala", "Lagos", "Kigali", "Lusaka")

FRENCH = (
    (
        "À {place}, les ministres des Finances de la région examinent le budget de la sécurité",
        "Réunis depuis lundi à {place}, les ministres ont présenté un projet de budget commun. "
        "Les négociations portent sur le financement des forces conjointes et sur la dette intérieure.",
    ),
    (
        "{place} : la saison des pluies inonde plusieurs quartiers périphériques",
        "Les services de la protection civile de {place} ont recensé des centaines de familles sinistrées. "
        "Des écoles ont été transformées en abris provisoires en attendant la décrue.",
    ),
    (
        "Grève des enseignants à {place} : le gouvernement propose une hausse des primes",
        "Le syndicat des enseignants de {place} maintient son mot d'ordre malgré la proposition du ministère. "
        "Les examens de fin d'année pourraient être reportés de deux semaines.",
    ),
    (
        "Sommet régional à {place} sur l'approvisionnement en électricité",
        "Les délégations réunies à {place} veulent relier les réseaux électriques nationaux d'ici cinq ans. "
        "La Banque africaine de développement a promis un premier financement.",
    ),
)

ENGLISH = (
    (
        "Central bank in {place} holds rates as inflation eases",
        "Policymakers in {place} kept the benchmark rate unchanged on Tuesday, citing slower food price growth. "
        "Analysts expect a cut early next year if the currency stays stable.",
    ),
    (
        "{place} port reopens after a week of strikes",
        "Dock workers in {place} returned to work after unions reached a deal on overtime pay. "
        "Shipping agents said the backlog of containers would take a fortnight to clear.",
    ),
    (
        "Election commission in {place} publishes the final voter roll",
        "The commission in {place} said more than two million new voters had registered this year. "
        "Opposition parties called for an independent audit before the vote.",
    ),
    (
        "Health ministry in {place} launches a measles vaccination drive",
        "Mobile teams will visit schools and markets across {place} over the next three weeks. "
        "Officials hope to reach nine in ten children under five.",
    ),
)


def records(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` distinct article records (as `newsalert publish` reads them), shuffled by ``seed``."""
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    out: list[dict[str, Any]] = []
    for n in range(count):
        french = n % 2 == 0
        templates, places = (FRENCH, PLACES_FR) if french else (ENGLISH, PLACES_EN)
        title, text = templates[(n // 2) % len(templates)]
        place = places[(n // 8) % len(places)]
        slug = f"{'fr' if french else 'en'}-{n:04d}"
        out.append(
            {
                "url": f"https://news.example.test/{slug}",
                "title": f"{title.format(place=place)} ({n})",
                "text": text.format(place=place),
                "published": (start + timedelta(minutes=n)).isoformat(),
            }
        )
    rng.shuffle(out)
    return out


def article_ids(batch: list[dict[str, Any]]) -> set[str]:
    """The ids ingest derives for these records."""
    return {article_from_record(record).id for record in batch}
