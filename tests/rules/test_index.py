"""The rule index agrees with plain evaluation, and keeps agreeing as rules come and go."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from services.notify.rules.facts import Affiliations, facts_of
from services.notify.rules.index import REGROUP_AFTER_LOOKS, Fits, RuleIndex, stemming
from services.notify.rules.matcher import holds
from services.notify.rules.query import Compiler, Query
from shared.errors import QueryError
from shared.models import ActorTag, Article, TaggedArticle, TopicTag
from shared.vocabulary import Vocabulary, default_vocabulary
from tests.rules.articles import lavrov_in_niamey, locusts_in_chad

ACTORS = ("russia", "sergei-lavrov", "niger", "mali", "burkina-faso", "aes", "france", "chad")
TOPICS = ("summit", "coup", "election", "mining")
WORDS = ("pluie", "pluies", "récolte", "harvest", "harvests", "barrage", "ordre", "jour", "criquets")
ATOMS = (
    *(f"actor:{a}" for a in ACTORS),
    *(f"topic:{t}" for t in TOPICS),
    *(f"word:{w}" for w in WORDS),
    '"ordre du jour"',
    '"heavy rains"',
    "lang:fr",
    "lang:en",
    "source:example.com",
    "Burkina Faso",
    "Russia summit",
)


def queries() -> st.SearchStrategy[str]:
    atom = st.sampled_from(ATOMS)

    def combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(children, children)
        return st.one_of(
            pair.map(lambda p: f"({p[0]} OR {p[1]})"),
            pair.map(lambda p: f"({p[0]} {p[1]})"),
            children.map(lambda c: f"-({c})"),
        )

    return st.recursive(atom, combine, max_leaves=6)


@st.composite
def articles(draw: st.DrawFn) -> TaggedArticle:
    words = draw(st.lists(st.sampled_from([*WORDS, "ordre du jour", "heavy rains", "le", "the"]), max_size=8))
    text = " ".join(words) or "rien"
    actors = draw(st.sets(st.sampled_from(ACTORS), max_size=3))
    topics = draw(st.sets(st.sampled_from(TOPICS), max_size=2))
    lang = draw(st.sampled_from(["fr", "en", "de"]))
    source = draw(st.sampled_from(["example.com", "news.example.com", "lemonde.fr"]))
    return TaggedArticle(
        article=Article(id="0123456789abcdef", title="", text=text, source=source, lang=lang),
        lang=lang,
        actors=tuple(ActorTag(id=a, name=a, kind="country", salience=0.5) for a in sorted(actors)),
        topics=tuple(TopicTag(id=t, score=0.5) for t in sorted(topics)),
        story="s",
    )


_VOCABULARY = default_vocabulary()
_COMPILER = Compiler(_VOCABULARY)
_AFFILIATIONS = Affiliations(_VOCABULARY)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(queries(), min_size=1, max_size=12), st.lists(articles(), min_size=1, max_size=4))
def test_index_agrees_with_plain_evaluation(texts: list[str], sample: list[TaggedArticle]) -> None:
    compiled = []
    for text in texts:
        try:
            compiled.append(_COMPILER.compile(text))
        except QueryError:
            continue  # only-by-negation rules are refused, and that is tested elsewhere
    assume(compiled)
    index = RuleIndex(regroup_from=1)  # every key regrouped once looked up often, as large ones are
    index.build((str(i), q) for i, q in enumerate(compiled))
    for _ in range(REGROUP_AFTER_LOOKS + 1):  # keys filtered, then regrouped by second key
        for article in sample:
            facts = facts_of(article, _AFFILIATIONS)
            expected = sorted(str(i) for i, q in enumerate(compiled) if holds(q.root, facts))
            assert index.match(facts) == expected
            assert index.last_candidates >= len(expected)


def test_rules_added_and_removed_one_by_one_are_matched_accordingly(vocabulary: Vocabulary) -> None:
    affiliations = Affiliations(vocabulary)
    facts = facts_of(lavrov_in_niamey(vocabulary), affiliations)
    index = RuleIndex()
    index.build([("a", _COMPILER.compile("Russia summit")), ("b", _COMPILER.compile("Chad"))])
    assert index.match(facts) == ["a"]
    index.add("c", _COMPILER.compile('"ordre du jour" -Mali'))
    index.add("b", _COMPILER.compile("Niger OR Chad"))
    assert index.match(facts) == ["a", "b", "c"]
    index.remove("a")
    index.remove("unknown")
    assert index.match(facts) == ["b", "c"]
    assert len(index) == 2
    assert "a" not in index


def test_only_candidates_are_evaluated(vocabulary: Vocabulary) -> None:
    affiliations = Affiliations(vocabulary)
    facts = facts_of(locusts_in_chad(vocabulary), affiliations)
    index = RuleIndex()
    pairs = zip(ACTORS, TOPICS * 2, strict=True)
    unrelated = [(f"r{i}", _COMPILER.compile(f"actor:{a} topic:{t}")) for i, (a, t) in enumerate(pairs)]
    index.build([*unrelated, ("chad", _COMPILER.compile("Chad word:harvest"))])
    assert index.match(facts) == ["chad"]
    assert index.last_candidates == 1
    assert index.scan(facts) == ["chad"]


@pytest.mark.parametrize("query", ["lang:en word:harvest", "word:harvest lang:en"])
def test_a_language_key_is_never_what_a_rule_hangs_on(vocabulary: Vocabulary, query: str) -> None:
    index = RuleIndex()
    index.build([("r", _COMPILER.compile(query))])
    french = facts_of(lavrov_in_niamey(vocabulary), Affiliations(vocabulary))
    assert index.match(french) == []
    assert index.last_candidates == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(queries(), min_size=1, max_size=10),
    st.lists(queries(), max_size=6),
    st.sets(st.integers(min_value=0, max_value=9)),
    articles(),
)
def test_index_agrees_with_plain_evaluation_after_changes(
    texts: list[str], later: list[str], removed: set[int], article: TaggedArticle
) -> None:
    def compiled(items: list[str], prefix: str) -> dict[str, Query]:
        found = {}
        for i, text in enumerate(items):
            try:
                found[f"{prefix}{i}"] = _COMPILER.compile(text)
            except QueryError:
                continue
        return found

    rules = compiled(texts, "r")
    index = RuleIndex(regroup_from=1)
    index.build(rules.items())
    facts = facts_of(article, _AFFILIATIONS)
    for _ in range(REGROUP_AFTER_LOOKS):  # the article's keys are regrouped before the changes
        index.match(facts)
    for i in removed:
        index.remove(f"r{i}")
        rules.pop(f"r{i}", None)
    for rule_id, query in compiled(later, "r").items():  # some replace rules still there
        index.add(rule_id, query)
        rules[rule_id] = query
    expected = sorted(rule_id for rule_id, q in rules.items() if holds(q.root, facts))
    for _ in range(REGROUP_AFTER_LOOKS + 1):
        assert index.match(facts) == expected
    assert len(index) == len(rules)


@pytest.mark.parametrize(
    ("key", "expected"), [("k:fr:pluie", "k:fr"), ("k:*:pluies", "k:*"), ("a:mali", ""), ("l:fr", "")]
)
def test_a_key_names_its_stemming(key: str, expected: str) -> None:
    assert stemming(key) == expected


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("", {"a:mali", "k:fr:pluie", "k:en:pluie", "k:*:pluies"}),
        ("k:fr", {"a:mali", "k:fr:pluie"}),
        ("k:*", {"a:mali", "k:*:pluies"}),
        ("k:de", {"a:mali"}),
    ],
)
def test_a_second_set_keeps_the_keys_an_article_of_that_stemming_can_show(mode: str, expected: set[str]) -> None:
    second = frozenset({"a:mali", "k:fr:pluie", "k:en:pluie", "k:*:pluies"})
    assert set(Fits(mode)[second]) == expected
