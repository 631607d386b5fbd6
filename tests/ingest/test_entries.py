"""Feed parsing and text cleaning, table-driven on documents written for the tests."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from services.ingest.entries import parse_feed
from services.ingest.extractor import article_links, extract_page, looks_like_article
from services.ingest.failures import FetchFailed, Refused
from services.ingest.text import decode_html, html_to_text, language, without_boilerplate
from tests.ingest import corpus
from tests.ingest.test_guard import QUADRATIC

BASE = "https://sahel.example"


def parse(body: bytes, content_type: str = "application/rss+xml", max_items: int = 100) -> list:  # type: ignore[type-arg]
    return list(parse_feed(body, f"{BASE}/feed", content_type, max_items, 10_000).entries)


def test_rss_items_with_summaries_only() -> None:
    entries = parse(corpus.SAHEL_RSS.substitute(base=BASE).encode())
    assert entries[0].title == "Niger : le gouvernement annonce un plan pour l’irrigation"
    first = entries[0]
    assert first.content == ""
    assert first.summary == "Un programme de 120 milliards de francs CFA pour les périmètres irrigués…"
    assert first.guid == "sahel-2026-1187"
    assert first.published == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert first.lang == "fr"
    assert entries[2].guid is None


def test_atom_entries_with_full_content() -> None:
    entries = parse(corpus.OUAGA_ATOM.substitute(base=BASE).encode(), "application/atom+xml")
    assert len(entries) == 2
    assert entries[0].content.startswith("La Société burkinabè des fibres textiles")
    assert "\n" in entries[0].content
    assert entries[1].link == f"{BASE}/societe/echangeur-du-nord-reprise"
    assert entries[1].content.startswith("Interrompu depuis six mois")


def test_json_feed_items() -> None:
    entries = parse(corpus.DAKAR_JSON.substitute(base=BASE).encode(), "application/feed+json")
    assert [e.guid for e in entries] == ["dd-7781", "dd-7782"]
    assert entries[0].content.startswith("Senegal loaded its first cargo")
    assert entries[1].published == datetime(2026, 11, 22, 9, tzinfo=UTC)
    assert entries[1].lang == "en"


def test_latin1_feed_is_decoded() -> None:
    entries = parse(corpus.LATIN1_RSS.substitute(base=BASE).encode("iso-8859-1"))
    assert entries[0].title == "Togo : la récolte de café dépasse les prévisions à Kpalimé"
    assert "1 150 francs CFA" in entries[0].content


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (corpus.BROKEN, "text/html", "not a readable feed"),
        (b"", "application/xml", "not a readable feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "application/json", "items is not a list"),
        (b'{"title": "pas un flux"}', "application/json", "no jsonfeed.org version"),
        (b"{not json", "application/feed+json", "not a readable JSON Feed"),
    ],
)
def test_unreadable_documents_give_a_reason(body: bytes, content_type: str, reason: str) -> None:
    with pytest.raises(FetchFailed, match=reason):
        parse(body, content_type)


def test_entity_declarations_never_reach_feedparser() -> None:
    with pytest.raises(Refused, match="XML entity declarations not allowed"):
        parse(QUADRATIC)


def test_item_cap_and_link_filtering() -> None:
    items = [{"id": str(n), "url": f"/a/{n}", "title": f"Dépêche {n}"} for n in range(30)]
    items[0]["url"] = "javascript:alert(1)"
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "items": items}).encode()
    parsed = parse_feed(body, f"{BASE}/feed.json", "application/json", 10, 1_000)
    assert len(parsed.entries) == 10
    assert parsed.dropped == 20
    assert parsed.entries[0].link is None
    assert parsed.entries[1].link == f"{BASE}/a/1"


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Niamey &amp; Dosso&nbsp;: l&#8217;eau</p><p>Deux</p>", "Niamey & Dosso : l’eau\nDeux"),
        ("Texte <b>gras</b> et <script>alert(1)</script>fin", "Texte gras et fin"),
        ("Ligne&lt;br&gt;", "Ligne<br>"),
        ("  plain   text  ", "plain text"),
        ("un<br>deux<br/>trois", "un\ndeux\ntrois"),
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        ("<p>Ségou</p>".encode(), "text/html; charset=utf-8", "<p>Ségou</p>"),
        ("<p>Ségou</p>".encode("latin-1"), "text/html; charset=utf-8", "<p>Ségou</p>"),
        (
            '<meta charset="iso-8859-1"><p>Ségou</p>'.encode("latin-1"),
            "text/html",
            '<meta charset="iso-8859-1"><p>Ségou</p>',
        ),
        ("<p>Ségou – l’été</p>".encode("cp1252"), "text/html", "<p>Ségou – l’été</p>"),
        ("\ufeff<p>Ségou</p>".encode(), "", "<p>Ségou</p>"),
        ("<p>Ségou</p>".encode(), "text/html; charset=nonsense", "<p>Ségou</p>"),
    ],
)
def test_decode_html(body: bytes, content_type: str, text: str) -> None:
    assert decode_html(body, content_type) == text


def test_boilerplate_lines_are_dropped() -> None:
    text = "Titre\nPublié le 24 novembre 2026\nPhoto : ANP\nLe corps du texte.\nPartager : Facebook\n© 2026 Le Sahel"
    assert without_boilerplate(text, "Titre") == "Le corps du texte."


@pytest.mark.parametrize(("tag", "lang"), [("fr-FR", "fr"), ("en_GB", "en"), ("FR", "fr"), ("", None), ("*", None)])
def test_language(tag: str, lang: str | None) -> None:
    assert language(tag) == lang


def test_an_english_page_is_extracted_without_its_wrapping() -> None:
    html = corpus.page(
        "Ghana cocoa board raises farmgate price",
        [
            "The Ghana Cocoa Board raised the farmgate price of cocoa by 20 percent on Friday, citing record "
            "world prices and the need to curb smuggling into neighbouring Côte d'Ivoire and Togo.",
            "Farmers in the Western North region welcomed the decision but said payments for the last season were "
            "still delayed in several districts.",
        ],
        "2026-10-02T12:00:00Z",
        lang="en",
    )
    page = extract_page(html, "https://accra.example/business/ghana-cocoa-price", 10_000)
    assert page is not None
    assert page.lang == "en"
    assert page.published == datetime(2026, 10, 2, tzinfo=UTC)
    assert page.text.startswith("The Ghana Cocoa Board raised")
    for word in ("Accueil", "Partager", "commentaire", "Photo", "droits"):
        assert word not in page.text


def test_section_page_links() -> None:
    html = corpus.SECTION.substitute(menu=corpus.MENU, footer=corpus.FOOTER)
    links = article_links(html, f"{BASE}/politique", 10)
    assert [url for url, _ in links] == [
        f"{BASE}/articles/niger-plan-irrigation.html",
        f"{BASE}/articles/mali-rentree-scolaire-reportee.html",
    ]
    assert links[1][1] == "Mali : la rentrée scolaire reportée"


@pytest.mark.parametrize(
    ("url", "article"),
    [
        ("https://lefaso.net/spip.php?article14012", False),
        ("https://www.aniamey.com/a/2026/11/25/123456", True),
        ("https://actuniger.com/politique/21450-niger-le-budget-2027-adopte.html", True),
        ("https://actuniger.com/politique", False),
        ("https://actuniger.com/tag/niger-mali-burkina", False),
        ("https://actuniger.com/page/2", False),
    ],
)
def test_looks_like_article(url: str, article: bool) -> None:
    assert looks_like_article(url) is article


def test_a_feed_of_twenty_thousand_items_is_cut_before_parsing() -> None:
    item = "<item><title>Dépêche {n}</title><link>https://sahel.example/actu/depeche-{n}</link></item>"
    body = '<rss version="2.0"><channel><title>Flot</title>' + "".join(item.format(n=n) for n in range(20_000))
    started = time.perf_counter()
    parsed = parse_feed((body + "</channel></rss>").encode(), f"{BASE}/feed", "", 500, 1_000)
    assert time.perf_counter() - started < 5.0
    assert len(parsed.entries) == 500
    assert parsed.dropped == 19_500
    assert parsed.entries[-1].title == "Dépêche 499"


def test_megabytes_of_markup_in_one_field_are_cut_to_the_text_cap() -> None:
    html = "<p>Le fleuve Niger est en crue à Niamey.</p>" * 150_000
    body = f'<rss version="2.0"><channel><item><title>{"Crue " * 100_000}</title><link>{BASE}/crue</link>'
    body += f"<description><![CDATA[{html}]]></description></item></channel></rss>"
    started = time.perf_counter()
    (entry,) = parse_feed(body.encode(), f"{BASE}/feed", "", 500, 20_000).entries
    assert time.perf_counter() - started < 5.0
    assert len(entry.summary) <= 20_000
    assert len(entry.title) <= 1_000
    assert entry.summary.startswith("Le fleuve Niger est en crue à Niamey.")
