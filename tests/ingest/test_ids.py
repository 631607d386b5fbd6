"""Stable ids: canonical URLs, fallbacks, and the same item keeping its id."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.ids import article_id, canonical_url, source_of


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.ActuNiger.com/politique/1234-titre.html", "https://www.actuniger.com/politique/1234-titre.html"),
        ("https://lefaso.net/spip.php?article1#forum", "https://lefaso.net/spip.php?article1"),
        (
            "https://maliweb.net/a.html?utm_source=fb&utm_medium=social&id=7&fbclid=xyz&gclid=1",
            "https://maliweb.net/a.html?id=7",
        ),
        ("http://aniamey.com:80/x", "http://aniamey.com/x"),
        ("https://aniamey.com:443/x", "https://aniamey.com/x"),
        ("https://aniamey.com:8443/x", "https://aniamey.com:8443/x"),
        ("https://aniamey.com", "https://aniamey.com/"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_tracking_parameters_and_fragments_do_not_change_the_id() -> None:
    plain = article_id("https://www.aniamey.com/niger-crue.html")
    assert article_id("https://WWW.aniamey.com/niger-crue.html?utm_campaign=rss#top") == plain
    assert article_id("https://www.aniamey.com/autre.html") != plain


def test_without_link_guid_then_title_and_day_are_used() -> None:
    day = datetime(2026, 11, 25, 8, tzinfo=UTC)
    later = datetime(2026, 11, 25, 17, tzinfo=UTC)
    by_guid = article_id(None, "feed1", guid="urn:anp:4411", title="Titre", published=day)
    assert by_guid == article_id(None, "feed1", guid="urn:anp:4411", title="Titre modifié", published=later)
    assert by_guid != article_id(None, "feed2", guid="urn:anp:4411")
    by_title = article_id(None, "feed1", title="Crue à  Niamey", published=day)
    assert by_title == article_id(None, "feed1", title="crue à niamey", published=later)
    assert len(by_title) == 32
    assert int(by_title, 16) >= 0


def test_source_is_the_domain_without_www() -> None:
    assert source_of("https://www.maliweb.net/politique/x.html") == "maliweb.net"
    assert source_of(None) == ""
