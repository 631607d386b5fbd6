"""Interface text in English and French, and the choice of language for a request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("fr", "en")
DEFAULT_LANG: Lang = "fr"
"""The first users are francophone."""
LANG_COOKIE = "newsalert_lang"

# key: (English, French)
_TEXTS: dict[str, tuple[str, str]] = {
    "app": ("News alerts", "Alertes d’actualité"),
    "nav.rules": ("Rules", "Règles"),
    "nav.alerts": ("Alerts", "Alertes"),
    "nav.feeds": ("Feeds", "Sources"),
    "nav.articles": ("Articles", "Articles"),
    "nav.logout": ("Log out", "Se déconnecter"),
    "nav.language": ("Language", "Langue"),
    "login.title": ("Sign in", "Connexion"),
    "login.intro": (
        "This server is protected. Enter the API token its operator gave you.",
        "Ce serveur est protégé. Saisissez le jeton d’API fourni par son administrateur.",
    ),
    "login.token": ("API token", "Jeton d’API"),
    "login.submit": ("Sign in", "Se connecter"),
    "login.wrong": ("Wrong token.", "Jeton incorrect."),
    "rules.title": ("Watch rules", "Règles de veille"),
    "rules.new": ("New rule", "Nouvelle règle"),
    "rules.none": ("No rule yet. Create one to start receiving alerts.", "Aucune règle pour l’instant."),
    "rules.name": ("Name", "Nom"),
    "rules.query": ("Query", "Requête"),
    "rules.targets": ("Targets", "Destinataires"),
    "rules.enabled": ("Enabled", "Active"),
    "rules.alerts24h": ("Alerts 24 h", "Alertes 24 h"),
    "rules.alerts7d": ("Alerts 7 days", "Alertes 7 jours"),
    "rules.actions": ("Actions", "Actions"),
    "rules.edit": ("Edit", "Modifier"),
    "rules.enable": ("Enable", "Activer"),
    "rules.disable": ("Disable", "Désactiver"),
    "rules.delete": ("Delete", "Supprimer"),
    "rules.confirm_delete": ("Delete this rule?", "Supprimer cette règle ?"),
    "rules.yes": ("yes", "oui"),
    "rules.no": ("no", "non"),
    "rules.saved": ("Rule saved.", "Règle enregistrée."),
    "rules.deleted": ("Rule deleted.", "Règle supprimée."),
    "editor.title_new": ("New watch rule", "Nouvelle règle de veille"),
    "editor.title_edit": ("Edit watch rule", "Modifier la règle de veille"),
    "editor.query_help": (
        "Words, actors and topics; AND, OR, NOT, quotes and parentheses. Example: AES summit -Niger",
        "Mots, acteurs et thèmes ; AND, OR, NOT, guillemets et parenthèses. Exemple : AES sommet -Niger",
    ),
    "editor.kept_targets": ("Current targets (untick to remove)", "Destinataires actuels (décocher pour retirer)"),
    "editor.new_targets": ("Add targets, one per line", "Ajouter des destinataires, un par ligne"),
    "editor.targets_help": (
        "mailto:name@example.org, or a chat URL such as tgram://TOKEN/CHAT_ID",
        "mailto:nom@exemple.fr, ou une adresse de messagerie comme tgram://JETON/ID_DISCUSSION",
    ),
    "editor.delivery": ("Delivery", "Envoi"),
    "editor.instant": ("as soon as found", "dès qu’une alerte est trouvée"),
    "editor.digest": ("daily digest", "résumé quotidien"),
    "editor.timezone": ("Time zone", "Fuseau horaire"),
    "editor.save": ("Save", "Enregistrer"),
    "editor.preview": ("Preview", "Aperçu"),
    "editor.cancel": ("Cancel", "Annuler"),
    "editor.understood": ("Understood as", "Compris comme"),
    "editor.error_at": ("Error at column", "Erreur à la colonne"),
    "editor.incl_affiliated": ("incl. affiliated people and groups", "y compris personnes et groupes affiliés"),
    "editor.not": ("not", "sauf"),
    "editor.or": ("or", "ou"),
    "editor.rather_than": ("rather than", "plutôt que"),
    "editor.unknown_word": (
        "not in the vocabulary: searched as a keyword",
        "absent du vocabulaire : cherché comme mot",
    ),
    "editor.did_you_mean": ("did you mean", "vouliez-vous dire"),
    "kind.actor": ("actor", "acteur"),
    "kind.topic": ("topic", "thème"),
    "kind.keyword": ("keyword", "mot-clé"),
    "kind.phrase": ("exact phrase", "expression exacte"),
    "kind.lang": ("language", "langue"),
    "kind.source": ("source", "source"),
    "entry.country": ("country", "pays"),
    "entry.organisation": ("organisation", "organisation"),
    "entry.armed_group": ("armed group", "groupe armé"),
    "entry.person": ("person", "personne"),
    "entry.company": ("company", "entreprise"),
    "entry.topic": ("topic", "thème"),
    "preview.title": ("What this rule would have caught", "Ce que cette règle aurait trouvé"),
    "preview.summary": (
        "{matches} matching articles in {stories} stories, out of {scanned} stored articles.",
        "{matches} articles correspondants en {stories} sujets, sur {scanned} articles conservés.",
    ),
    "preview.none": ("No stored article matches.", "Aucun article conservé ne correspond."),
    "preview.why": ("Why it matched", "Pourquoi il correspond"),
    "preview.chart": ("Alerts per day (one per story)", "Alertes par jour (une par sujet)"),
    "alerts.title": ("Recent alerts", "Alertes récentes"),
    "alerts.none": ("No alert yet.", "Aucune alerte pour l’instant."),
    "alerts.article": ("Article", "Article"),
    "alerts.channel": ("Channel", "Canal"),
    "alerts.status": ("Status", "État"),
    "alerts.when": ("When", "Quand"),
    "alerts.test": ("Send a test alert", "Envoyer une alerte de test"),
    "alerts.test_sent": ("Test alert sent to {target}.", "Alerte de test envoyée à {target}."),
    "alerts.test_failed": (
        "Test alert to {target} failed: {reason}",
        "Échec de l’alerte de test à {target} : {reason}",
    ),
    "status.sent": ("sent", "envoyée"),
    "status.retrying": ("retrying", "nouvel essai prévu"),
    "status.dead": ("dead-lettered", "abandonnée"),
    "status.queued": ("queued", "en attente"),
    "status.held": ("held for a digest", "gardée pour un résumé"),
    "status.sending": ("sending", "en cours d’envoi"),
    "status.dropped": ("dropped", "écartée"),
    "feeds.title": ("Feeds", "Sources"),
    "feeds.none": ("No feed yet.", "Aucune source pour l’instant."),
    "feeds.url": ("Feed or page URL", "Adresse du flux ou de la page"),
    "feeds.name": ("Name (optional)", "Nom (facultatif)"),
    "feeds.interval": ("Poll every (seconds)", "Interroger toutes les (secondes)"),
    "feeds.add": ("Add feed", "Ajouter la source"),
    "feeds.remove": ("Remove", "Retirer"),
    "feeds.health": ("Health", "État"),
    "feeds.last_success": ("Last success", "Dernier succès"),
    "feeds.last_error": ("Last error", "Dernière erreur"),
    "feeds.per_day": ("Articles per day", "Articles par jour"),
    "feeds.added": ("Feed added.", "Source ajoutée."),
    "feeds.removed": ("Feed removed.", "Source retirée."),
    "feeds.ok": ("ok", "bon"),
    "feeds.failing": ("failing", "en échec"),
    "feeds.new": ("not polled yet", "pas encore interrogée"),
    "articles.title": ("Latest tagged articles", "Derniers articles analysés"),
    "articles.filter": ("Filter with a query", "Filtrer avec une requête"),
    "articles.apply": ("Filter", "Filtrer"),
    "articles.none": ("No article.", "Aucun article."),
    "articles.actors": ("Actors", "Acteurs"),
    "articles.topics": ("Topics", "Thèmes"),
    "articles.count": ("{shown} of {scanned} stored articles", "{shown} sur {scanned} articles conservés"),
    "error.title": ("Something is wrong", "Quelque chose ne va pas"),
    "error.not_found": ("Not found.", "Introuvable."),
    "error.csrf": (
        "This form has expired; reload the page and try again.",
        "Ce formulaire a expiré ; rechargez la page et réessayez.",
    ),
}


def texts(lang: Lang) -> Mapping[str, str]:
    """Every interface text in ``lang``, by key."""
    index = 0 if lang == "en" else 1
    return {key: pair[index] for key, pair in _TEXTS.items()}


def negotiate(accept_language: str | None, chosen: str | None = None) -> Lang:
    """Pick the interface language: the user's explicit choice, else the best of Accept-Language, else French."""
    if chosen in LANGS:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for negative_quality, _, primary in sorted(ranked):
        if negative_quality < 0 and primary in LANGS:
            return primary
    return DEFAULT_LANG
