"""The poller on a realistic mix of sources served on 127.0.0.1, hostile ones included."""

from __future__ import annotations

from pathlib import Path

from services.ingest.ids import article_id
from shared.metrics import REGISTRY
from shared.streams import ARTICLES
from tests.ingest import corpus
from tests.ingest.rig import Rig
from tests.ingest.server import LocalServer, Reply
from tests.ingest.test_guard import BILLION_LAUGHS, EXTERNAL, QUADRATIC
from tests.ingest.test_limits import gzip_bomb, trickle

HTML = {"Content-Type": "text/html; charset=utf-8"}


def serve_mix(server: LocalServer, private: LocalServer) -> None:
    base = server.url("").rstrip("/")
    art = "/articles/"
    server.routes.update(
        {
            "/sahel.rss": Reply(body=corpus.SAHEL_RSS.substitute(base=base).encode(), headers={"ETag": '"s1"'}),
            art + "niger-plan-irrigation.html": Reply(
                body=corpus.page(
                    "Niger : le gouvernement annonce un plan pour l'irrigation",
                    corpus.NIGER_PARAGRAPHS,
                    "2026-11-24T09:30:00+01:00",
                ).encode(),
                headers=HTML,
            ),
            art + "mali-rentree-scolaire-reportee.html": Reply(
                body=corpus.page(
                    "Mali : la rentrée scolaire reportée dans la région de Mopti",
                    corpus.MALI_PARAGRAPHS,
                    "2026-11-23T17:05:00+00:00",
                ).encode(),
                headers=HTML,
            ),
            # ISO-8859-1 bytes that claim UTF-8 in the header and in the page
            art + "benin-port-cotonou-croissance.html": Reply(
                body=corpus.page(
                    "Bénin : le port de Cotonou en forte croissance",
                    corpus.BENIN_PARAGRAPHS,
                    "2026-11-22T11:00:00+00:00",
                ).encode("latin-1"),
                headers=HTML,
            ),
            "/ouaga.atom": Reply(body=corpus.OUAGA_ATOM.substitute(base=base).encode()),
            "/dakar.json": Reply(
                body=corpus.DAKAR_JSON.substitute(base=base).encode(), headers={"Content-Type": "application/feed+json"}
            ),
            "/lome.rss": Reply(body=corpus.LATIN1_RSS.substitute(base=base).encode("iso-8859-1")),
            "/abidjan.rss": Reply(body=corpus.SLOPPY_RSS.substitute(base=base).encode()),
            "/broken.xml": Reply(body=corpus.BROKEN, headers={"Content-Type": "text/html"}),
            "/laughs.xml": Reply(body=BILLION_LAUGHS),
            "/quadratic.xml": Reply(body=QUADRATIC),
            "/xxe.xml": Reply(body=EXTERNAL),
            "/bomb.xml": Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"}),
            "/trickle.xml": Reply(body=trickle),
            "/gone.xml": Reply(410),
            "/to-private.xml": Reply(302, headers={"Location": private.url("/latest/meta-data/")}),
        }
    )
    private.routes["/latest/meta-data/"] = Reply(body=b"<rss><channel><title>secret</title></channel></rss>")


GOOD = {"sahel": "/sahel.rss", "ouaga": "/ouaga.atom", "dakar": "/dakar.json", "lome": "/lome.rss"}
GOOD |= {"abidjan": "/abidjan.rss"}
HOSTILE = {
    "broken": ("/broken.xml", "not a readable feed"),
    "laughs": ("/laughs.xml", "XML entity declarations not allowed"),
    "quadratic": ("/quadratic.xml", "XML entity declarations not allowed"),
    "xxe": ("/xxe.xml", "XML entity declarations not allowed"),
    "bomb": ("/bomb.xml", "larger than 10000000 bytes after decoding"),
    "trickle": ("/trickle.xml", "no complete answer within 1.5 s"),
    "gone": ("/gone.xml", "410 Gone"),
    "to-private": ("/to-private.xml", "non-public address 127.0.0.2"),
}
EXPECTED_TITLES = {
    "Niger : le gouvernement annonce un plan pour l’irrigation",
    "Mali : la rentrée scolaire reportée dans la région de Mopti",
    "Bénin : le port de Cotonou en forte croissance",
    "Burkina Faso : la campagne cotonnière démarre sous de meilleurs auspices",
    "Ouagadougou : les travaux de l’échangeur du Nord reprennent",
    "Senegal ships first cargo of offshore gas",
    "ECOWAS leaders meet in Abuja on transition timetables",
    "Togo : la récolte de café dépasse les prévisions à Kpalimé",
    "Côte d'Ivoire : Abidjan & Bouaké reliées par un nouveau train",
}
BOILERPLATE = ["Accueil", "Rechercher", "Partager", "Laisser un commentaire", "Photo :", "Tous droits", "À lire aussi"]


def fetch_counts() -> dict[str, float]:
    """Feed fetches counted by the metrics registry, per outcome."""
    return {
        sample.labels["outcome"]: sample.value
        for metric in REGISTRY.collect()
        if metric.name == "newsalert_feed_fetches"
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


def reset_peak_rss() -> None:
    """Start a new peak-RSS window for this process (Linux: writing 5 to clear_refs resets VmHWM)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc/self/status")


async def test_a_realistic_mix_yields_each_article_once_with_clean_text(rig: Rig) -> None:
    # the pytest process already holds what earlier tests loaded: measure what this mix adds on top
    reset_peak_rss()
    baseline_mb = peak_rss_mb()
    fetches_before = fetch_counts()
    serve_mix(rig.server, rig.private)
    for name, path in GOOD.items():
        await rig.add(path, name)
    for name, (path, _) in HOSTILE.items():
        await rig.add(path, name)

    await rig.poll_all()

    articles = await rig.articles()
    assert {a.title for a in articles.values()} == EXPECTED_TITLES
    assert await rig.client.xlen(ARTICLES) == len(EXPECTED_TITLES)
    by_title = {a.title: a for a in articles.values()}
    niger = by_title["Niger : le gouvernement annonce un plan pour l’irrigation"]
    assert niger.id == article_id(rig.server.url("/articles/niger-plan-irrigation.html"))
    assert "40 000 producteurs" in niger.text
    assert "« Nous avons besoin de l'eau avant les semis, pas après »" in niger.text
    assert niger.lang == "fr"
    benin = by_title["Bénin : le port de Cotonou en forte croissance"]
    assert "réduction des délais de dédouanement" in benin.text
    assert "\ufffd" not in benin.text
    assert "1 150 francs CFA" in by_title["Togo : la récolte de café dépasse les prévisions à Kpalimé"].text
    assert by_title["Senegal ships first cargo of offshore gas"].lang == "en"
    for article in articles.values():
        assert article.text, article.title
        for word in BOILERPLATE:
            assert word not in article.text, (article.title, word)
        assert "<" not in article.text
        assert "&amp;" not in article.text

    health = await rig.health()
    for name in GOOD:
        _, state = health[name]
        assert state.status == "ok", (name, state.last_error)
    for name, (_, reason) in HOSTILE.items():
        _, state = health[name]
        assert state.status == "failing", name
        assert reason in (state.last_error or ""), (name, state.last_error)
    assert health["gone"][0].enabled is False
    assert rig.private.hits == []
    assert "secret" not in str(articles)

    await rig.poll_again(GOOD)
    assert await rig.client.xlen(ARTICLES) == len(EXPECTED_TITLES)
    assert rig.server.hits_on("/articles/niger-plan-irrigation.html") == 1
    assert rig.server.hits_on("/sahel.rss") == 2
    # an ingest process starts at ~90 MB (trafilatura, lxml, httpx): it stays under 300 MB if the mix adds < 150
    assert peak_rss_mb() - baseline_mb < 150
    fetches = {k: v - fetches_before.get(k, 0) for k, v in fetch_counts().items()}
    assert fetches["ok"] >= len(GOOD)
    assert fetches["gone"] >= 1
    assert sum(v for k, v in fetches.items() if k != "ok") >= len(HOSTILE)
