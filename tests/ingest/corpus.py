"""Documents the test server serves: feeds and article pages written for these tests."""

# ruff: noqa: E501  (documents are data: their lines are as long as the prose in them)

from __future__ import annotations

from string import Template

MENU = """<header class="site"><a class="logo" href="/">Sahel Matin</a>
<nav><ul><li><a href="/">Accueil</a></li><li><a href="/politique">Politique</a></li>
<li><a href="/economie">Économie</a></li><li><a href="/societe">Société</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/contact">Contact</a></li></ul></nav>
<form class="search"><input name="q" placeholder="Rechercher"></form></header>"""

FOOTER = """<div class="share">Partager : Facebook Twitter WhatsApp</div>
<section class="comments"><h3>Laisser un commentaire</h3><p>Votre adresse e-mail ne sera pas publiée.</p>
<form><textarea></textarea><button>Envoyer</button></form></section>
<footer><p>© 2026 Sahel Matin - Tous droits réservés</p><a href="/mentions">Mentions légales</a></footer>"""

PAGE = Template("""<!DOCTYPE html>
<html lang="$lang"><head><meta charset="$charset"><title>$title | Sahel Matin</title>
<meta property="og:title" content="$title">
<meta property="article:published_time" content="$date"></head>
<body>$menu<main><article><h1>$title</h1>
<p class="meta">Publié le $day</p>
<figure><img src="/img/photo.jpg" alt=""><figcaption>Photo : ANP / Archives</figcaption></figure>
$body
<aside><h3>À lire aussi</h3><ul><li><a href="/articles/autre-sujet-du-jour.html">Un autre sujet du jour</a></li></ul></aside>
</article></main>$footer</body></html>""")


def page(title: str, paragraphs: list[str], date: str, lang: str = "fr", charset: str = "utf-8") -> str:
    """An article page wrapped in a site menu, a share bar, a comment form and a footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return PAGE.substitute(
        lang=lang, charset=charset, title=title, date=date, day=date[:10], menu=MENU, body=body, footer=FOOTER
    )


NIGER_PARAGRAPHS = [
    "Le ministre de l'Agriculture a présenté mardi à Niamey un programme de 120 milliards de francs CFA "
    "destiné à étendre les périmètres irrigués le long du fleuve Niger, dans les régions de Tillabéri et de Dosso.",
    "Selon le communiqué officiel, près de 40 000 producteurs devraient bénéficier de nouvelles motopompes et "
    "de forages d'ici à la fin de la saison sèche. Les organisations paysannes saluent l'annonce mais réclament "
    "un calendrier précis.",
    "« Nous avons besoin de l'eau avant les semis, pas après », a déclaré un responsable de la coopérative de "
    "Kollo, joint par téléphone.",
]
MALI_PARAGRAPHS = [
    "La rentrée scolaire, prévue le 2 octobre, a été repoussée de deux semaines dans plusieurs cercles de la "
    "région de Mopti, a annoncé lundi le ministère de l'Éducation nationale à Bamako.",
    "Les autorités invoquent l'insécurité sur les axes routiers et l'occupation de certaines écoles par des "
    "familles déplacées. Les syndicats d'enseignants demandent le paiement des primes de zone avant la reprise.",
    "Dans la ville de Mopti, les parents d'élèves se disent inquiets pour les classes d'examen, déjà "
    "pénalisées l'an dernier par de longues grèves.",
]
BENIN_PARAGRAPHS = [
    "Le port autonome de Cotonou a enregistré une hausse de 12 % de son trafic de conteneurs au troisième "
    "trimestre, porté par les flux à destination du Niger et du Burkina Faso.",
    "La direction générale attribue cette progression à la mise en service de deux nouveaux portiques et à "
    "la réduction des délais de dédouanement, passés de cinq à trois jours en moyenne.",
    "Les transitaires signalent toutefois des files d'attente persistantes de camions à l'entrée de la zone "
    "portuaire, à Akpakpa, aux heures de pointe.",
]

SAHEL_RSS = Template("""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Sahel Matin – Actualités</title><link>$base/</link><language>fr-FR</language>
<description>Les dernières nouvelles du Sahel</description>
<item><title>Niger : le gouvernement annonce un plan pour l&#8217;irrigation</title>
<link>$base/articles/niger-plan-irrigation.html?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="false">sahel-2026-1187</guid>
<pubDate>Tue, 24 Nov 2026 09:30:00 +0100</pubDate>
<description><![CDATA[<p>Un programme de 120 milliards de francs CFA pour les périmètres irrigués&hellip;</p>]]></description></item>
<item><title>Mali : la rentrée scolaire reportée dans la région de Mopti</title>
<link>$base/articles/mali-rentree-scolaire-reportee.html</link>
<guid isPermaLink="false">sahel-2026-1188</guid>
<pubDate>Mon, 23 Nov 2026 17:05:00 +0000</pubDate>
<description>La rentrée est repoussée de deux semaines dans plusieurs cercles.</description></item>
<item><title>Bénin : le port de Cotonou en forte croissance</title>
<link>$base/articles/benin-port-cotonou-croissance.html</link>
<pubDate>Sun, 22 Nov 2026 11:00:00 +0000</pubDate>
<description>Le trafic de conteneurs progresse de 12 %.</description></item>
</channel></rss>""")

OUAGA_ATOM = Template("""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">
<title>Ouaga Info</title><id>urn:ouaga-info:feed</id><updated>2026-11-25T08:00:00Z</updated>
<link href="$base/"/>
<entry><title>Burkina Faso : la campagne cotonnière démarre sous de meilleurs auspices</title>
<id>urn:ouaga-info:2026:4411</id><link href="$base/eco/campagne-cotonniere-2026"/>
<updated>2026-11-25T07:45:00Z</updated>
<summary>Les prix au producteur sont relevés.</summary>
<content type="html">&lt;p&gt;La Société burkinabè des fibres textiles a fixé le prix du coton graine à 300 francs CFA le kilogramme
pour la campagne 2026-2027, soit une hausse de 25 francs.&lt;/p&gt;&lt;p&gt;Les producteurs de la Boucle du Mouhoun
espèrent une meilleure récolte après deux saisons marquées par les attaques de jassides.&lt;/p&gt;</content></entry>
<entry><title>Ouagadougou : les travaux de l&#8217;échangeur du Nord reprennent</title>
<id>urn:ouaga-info:2026:4412</id><link href="$base/societe/echangeur-du-nord-reprise"/>
<updated>2026-11-24T15:10:00Z</updated>
<content type="html">&lt;p&gt;Interrompu depuis six mois, le chantier de l&#8217;échangeur du Nord a repris lundi, a constaté
notre reporter. L&#8217;entreprise chargée des travaux promet une livraison avant la saison des pluies.&lt;/p&gt;</content>
</entry></feed>""")

DAKAR_JSON = Template("""{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Dakar Daily",
  "home_page_url": "$base/",
  "language": "en",
  "items": [
    {"id": "dd-7781", "url": "$base/2026/11/senegal-offshore-gas-first-cargo",
     "title": "Senegal ships first cargo of offshore gas",
     "content_html": "<p>Senegal loaded its first cargo of liquefied natural gas from the offshore Greater Tortue field on Tuesday, the energy ministry said in Dakar.</p><p>Officials expect revenue from the project to reach the budget from next year.</p>",
     "date_published": "2026-11-24T18:20:00Z"},
    {"id": "dd-7782", "url": "$base/2026/11/ecowas-summit-abuja-transition",
     "title": "ECOWAS leaders meet in Abuja on transition timetables",
     "content_text": "West African heads of state gathered in Abuja on Sunday to review the transition timetables of member states, with security in the Sahel at the top of the agenda.",
     "date_published": "2026-11-22T10:00:00+01:00"}
  ]
}""")

LATIN1_RSS = Template("""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Journal de Lomé</title><link>$base/</link><language>fr</language>
<item><title>Togo : la récolte de café dépasse les prévisions à Kpalimé</title>
<link>$base/economie/recolte-cafe-kpalime</link>
<pubDate>Wed, 25 Nov 2026 06:00:00 +0000</pubDate>
<description>Récolte record à Kpalimé.</description>
<content:encoded><![CDATA[<p>Les planteurs de la région des Plateaux annoncent une récolte de café supérieure de 18 % aux prévisions, grâce à des pluies régulières.</p><p>À Kpalimé, le kilo de café marchand s'échange à 1 150 francs CFA.</p>]]></content:encoded>
</item></channel></rss>""")

SLOPPY_RSS = Template("""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Abidjan Express</title><link>$base/</link>
<item><title>Côte d'Ivoire : Abidjan & Bouaké reliées par un nouveau train</title>
<link>$base/actu/abidjan-bouake-nouveau-train</link>
<description>Le premier convoi a quitté la gare de Treichville lundi matin avec 400 voyageurs à son bord, inaugurant une liaison quotidienne vers Bouaké.<br></description>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0000</pubDate>
</item></channel>""")

BROKEN = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"

SECTION = Template("""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Politique | Sahel Matin</title></head>
<body>$menu<main><h1>Politique</h1><ul class="list">
<li><a href="/articles/niger-plan-irrigation.html">Niger : le gouvernement annonce un plan pour l'irrigation</a></li>
<li><a href="/articles/mali-rentree-scolaire-reportee.html#comments">Mali : la rentrée scolaire reportée</a></li>
<li><a href="/tag/niger">Niger</a></li><li><a href="/page/2">Page suivante</a></li>
<li><a href="https://ailleurs.example/articles/un-autre-site-ici">Ailleurs</a></li>
</ul></main>$footer</body></html>""")
