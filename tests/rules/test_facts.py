"""Evidence spans found in the flat text agree, offset for offset, with a full tokenisation.

The reference below is how explanations were found before: every token of both fields,
stemmed and compared. The fast search must give exactly the same (field, start, end).
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from services.notify.rules.facts import Affiliations, Facts, Span, facts_of
from services.notify.rules.matcher import explain
from services.notify.rules.query import Compiler
from services.notify.rules.stemmer import article_keyword_key, inflections, keyword_keys
from shared.models import Article, TaggedArticle
from shared.vocabulary import Vocabulary
from shared.vocabulary.folding import flatten, tokens, words

NO_ACTORS = Affiliations(Vocabulary([]))


def article(title: str, text: str, lang: str) -> TaggedArticle:
    body = Article(id="ab12cd34ef56", title=title, text=text, lang=lang)
    return TaggedArticle(article=body, lang=lang, story="s")


def reference_keyword_spans(tagged: TaggedArticle, keys: tuple[str, ...], limit: int) -> list[Span]:
    found: list[Span] = []
    for field, text in (("title", tagged.article.title), ("text", tagged.article.text)):
        for tok in tokens(text):
            if article_keyword_key(tok.folded, tagged.lang.lower()) in keys:
                found.append((field, tok.start, tok.end))  # type: ignore[arg-type]
                if len(found) >= limit:
                    return found
    return found


def reference_phrase_spans(tagged: TaggedArticle, phrase: tuple[str, ...], limit: int) -> list[Span]:
    found: list[Span] = []
    for field, text in (("title", tagged.article.title), ("text", tagged.article.text)):
        toks = tokens(text)
        folded = [t.folded for t in toks]
        for i in range(len(toks) - len(phrase) + 1):
            if tuple(folded[i : i + len(phrase)]) == phrase:
                found.append((field, toks[i].start, toks[i + len(phrase) - 1].end))  # type: ignore[arg-type]
                if len(found) >= limit:
                    return found
    return found


def asked_words(tagged: TaggedArticle) -> list[str]:
    """Every token and every flat word of the article, plus words it lacks."""
    both = f"{tagged.article.title} {tagged.article.text}"
    found = {t.folded for t in tokens(both)} | set(flatten(both).split())
    return sorted(found | {"absent", "l", "s", "qu"})


def asked_phrases(tagged: TaggedArticle) -> list[tuple[str, ...]]:
    """Runs of two and three consecutive words, as tokens and as flat words (elisions kept)."""
    phrases: set[tuple[str, ...]] = {("l", "aes"), ("russia", "s")}
    for field in (tagged.article.title, tagged.article.text):
        for seq in ([t.folded for t in tokens(field)], flatten(field).split()):
            for n in (1, 2, 3):
                phrases.update(tuple(seq[i : i + n]) for i in range(len(seq) - n + 1))
    return sorted(phrases)


def assert_same_spans(tagged: TaggedArticle) -> None:
    for limit in (1, 3, 1_000):
        for word in asked_words(tagged):
            facts = facts_of(tagged, NO_ACTORS)
            keys = keyword_keys(word)
            assert facts.keyword_spans(keys, limit) == reference_keyword_spans(tagged, keys, limit), (word, limit)
        facts = facts_of(tagged, NO_ACTORS)
        for phrase in asked_phrases(tagged):
            assert facts.phrase_spans(phrase, limit) == reference_phrase_spans(tagged, phrase, limit), (phrase, limit)


TEXTS = [
    (
        "Sergueï Lavrov reçu à Niamey avant le sommet de l'AES",
        "Le chef de la diplomatie russe a rencontré les ministres de l’Alliance des États du Sahel. "
        "Les ÉLECTIONS, l'élection et les élections au Burkina Faso ne figuraient pas à l'ordre du jour, "
        "selon un diplomate nigérien ; les diplomates d'Abuja et les états-majors qu'il a vus aujourd'hui "
        "parlent d’une œuvre commune, cœur de l’AES. L'AES, l’ AES et l'",
        "fr",
    ),
    (
        "Les Nouveaux Chevaux du Sahel: journaux, bureaux et hôpitaux",
        "Des chevaux, un cheval ; des journaux et un journal ; l’hôpital — les hôpitaux — "
        "des chefs d’État-major, une chef d'état-major. Côte-d’Ivoire, Côte d’Ivoire ! N'Djamena.",
        "fr",
    ),
    (
        "Locust swarms threaten harvests in Chad",
        "Russia's talks with Chad's ministries: the Ministry's TALKS, talk, Talks. Co-operation and "
        "co‑operation; the boss's bosses' classes; U.S. officials' plans; rock 'n' roll; O'Brien's.",
        "en",
    ),
    ("Straße in München", "Die Straße, die STRASSE und Ärzte; Großbritannien's ßpecial.", "de"),
    ("", "Only a text, with no title: talks talks talks talks.", "en"),
    ("Title only: élections", "", "fr"),
    (
        "Décomposé",
        unicodedata.normalize("NFD", "Les élections générales auront lieu en décembre à Bamako, l’élection."),
        "fr",
    ),
    ("東京と大阪", "東京、大阪 and Tokyo's mayor; ١٢٣ كِتَابٌ; x\u0301y ȩ\u0327 ab\u0670cd", "en"),
]


@pytest.mark.parametrize(("title", "text", "lang"), TEXTS)
def test_spans_equal_a_full_tokenisation(title: str, text: str, lang: str) -> None:
    assert_same_spans(article(title, text, lang))


def test_spans_equal_a_full_tokenisation_on_random_texts() -> None:
    even = [*"abel sS'’-‑_1²œßİ\n.,", "aes", "l'", "qu’", "é", "É"]
    uneven = [*even, "e\u0301", "東", "、", "\u0670", "\u06e5", "\u0489", "\u20d0"]
    rng = random.Random(20261127)
    for case in range(240):
        alphabet = uneven if case % 4 == 0 else even
        title = "".join(rng.choices(alphabet, k=rng.randrange(0, 12)))
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 40)))
        assert_same_spans(article(title, text, rng.choice(["fr", "en", "de"])))


def test_keyword_evidence_points_at_the_written_words(compiler: Compiler, vocabulary: Vocabulary) -> None:
    tagged = article(*TEXTS[0])
    why = explain(compiler.compile('word:élection word:AES "ordre du jour"').root, facts_of(tagged, NO_ACTORS))
    assert [m.text for m in why[0].mentions] == ["ÉLECTIONS", "élection", "élections"]
    assert [m.text for m in why[1].mentions] == ["AES", "AES", "AES"]
    assert why[1].mentions[0].field == "title"
    assert [m.text for m in why[2].mentions] == ["ordre du jour"]


def test_phrase_across_a_dropped_elision_is_found() -> None:
    tagged = article("", "Le chef d'État est arrivé.", "fr")
    facts: Facts = facts_of(tagged, NO_ACTORS)
    assert facts.phrase_spans(words("chef d'état"), 3) == [("text", 3, 14)]
    assert facts.phrase_spans(("chef", "d", "etat"), 3) == []


ENDINGS = ("", "s", "x", "e", "es", "ee", "ees", "l", "al", "aux", "eau", "eaux", "y", "ies", "ss", "sses", "xes")
ENDINGS += ("ch", "ches", "sh", "shes", "us", "is", "ous")


@pytest.mark.parametrize(
    ("word", "lang", "some"),
    [
        ("elections", "fr", {"election", "elections", "electione", "electionees"}),
        ("chevaux", "fr", {"cheval", "chevaux"}),
        ("bureaux", "fr", {"bureau", "bureaux"}),
        ("ministries", "en", {"ministry", "ministries"}),
        ("bosses", "en", {"boss", "bosses"}),
        ("churches", "en", {"church", "churches"}),
        ("talks", "en", {"talk", "talks"}),
        ("status", "en", {"status"}),
        ("strasse", "de", {"strasse"}),
    ],
)
def test_inflections_are_every_word_with_the_same_key(word: str, lang: str, some: set[str]) -> None:
    key = article_keyword_key(word, lang)
    base = key.split(":", 2)[2]
    candidates = {base[: len(base) - cut] + end for cut in range(4) for end in ENDINGS}
    assert inflections(key) == {w for w in candidates if article_keyword_key(w, lang) == key}
    assert some <= inflections(key)


def test_article_keys_stay_right_when_the_kept_table_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.notify.rules import stemmer

    monkeypatch.setattr(stemmer, "MAX_CACHED_WORDS", 5)
    for batch in ({"talks", "ministries", "bosses"}, {"talk", "churches", "status", "harvests"}, {"talks", "a"}):
        assert list(stemmer.article_keyword_keys(batch, "en")) == [article_keyword_key(w, "en") for w in batch]
    assert len(stemmer._ARTICLE_KEYS["en"]) <= 5
