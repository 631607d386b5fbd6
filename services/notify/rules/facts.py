"""What a tagged article offers to rules: index keys, plus what is needed to explain a match."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from services.notify.rules.stemmer import article_keyword_key, article_keyword_keys, inflections
from shared.models import ActorTag, Article, TaggedArticle, TermEvidence, TextField, TopicTag
from shared.vocabulary import Vocabulary
from shared.vocabulary.folding import APOSTROPHES, ELIDED, MARKS, Token, flatten, tokens

if TYPE_CHECKING:
    from services.notify.rules.tree import Term


class Affiliations:
    """For each actor id, the actor terms it satisfies: itself and everything it is affiliated to."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        holders: dict[str, set[str]] = defaultdict(set)
        for entry_id in vocabulary.entries:
            for member in vocabulary.affiliates(entry_id):
                holders[member].add(entry_id)
        self._holders = {k: frozenset(v | {k}) for k, v in holders.items()}

    def holders(self, actor_id: str) -> frozenset[str]:
        """Return the ids of every actor term that an article tagged ``actor_id`` satisfies."""
        return self._holders.get(actor_id) or frozenset((actor_id,))


@dataclass(frozen=True, slots=True)
class Passage:
    """One text field of an article with its folded tokens."""

    field: TextField
    text: str
    tokens: tuple[Token, ...]
    words: tuple[str, ...]


Span = tuple[TextField, int, int]
"""Where words sit: the field and the start and end offsets in its text."""

_FIELDS: tuple[TextField, ...] = ("title", "text")


def _uneven_chars() -> str:
    """The characters on which the flat text's words and :func:`tokens` may differ.

    Combining marks (kept in flat words, split or stripped by tokens), the marks tokens
    strip, and everything past the flattening table.
    """
    codes = [c for c in range(0x3000) if unicodedata.combining(chr(c)) or MARKS.match(chr(c))]
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "\\u3000-\\U0010ffff"


@dataclass(frozen=True, slots=True)
class _Window:
    """Where one field sits in the flat title and text, with the field's own text."""

    field: TextField
    flat: str
    lo: int
    hi: int
    text: str


_EVEN = re.compile(f"[^{_uneven_chars()}]*")
_RUN = re.compile("[^ ]+")


class Facts:
    """An article seen by the matcher: the keys it shows, and the evidence behind them.

    Keys come from a fast split of the flattened title and text. Evidence (where words
    sit) is found in that same flat text, looking only for the wanted words; tokens with
    their offsets are computed only for the rare text whose flat words are not exactly
    its tokens (decomposed accents, combining marks, scripts past the folding table).
    ``explained`` keeps the evidence already given for (term, negated): rules share terms.
    """

    __slots__ = ("_flat", "_passages", "_windows", "_words", "actors", "article", "explained", "keys", "lang", "topics")

    def __init__(
        self,
        article: Article,
        lang: str,
        keys: frozenset[str],
        actors: Mapping[str, tuple[ActorTag, ...]],
        topics: Mapping[str, TopicTag],
        *,
        flat: str | None = None,
        words: AbstractSet[str] = frozenset(),
    ) -> None:
        self.article = article
        self.lang = lang
        self.keys = keys
        self.actors = actors
        self.topics = topics
        self._flat = flat
        self._words = words
        self._windows: tuple[_Window, ...] | None = None
        self._passages: tuple[Passage, ...] | None = None
        self.explained: dict[tuple[Term, bool], TermEvidence] = {}

    @property
    def article_id(self) -> str:
        """The article's id."""
        return self.article.id

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Title and text with their folded tokens."""
        if self._passages is None:
            passages = []
            for field in _FIELDS:
                text = getattr(self.article, field)
                toks = tuple(tokens(text))
                passages.append(Passage(field, text, toks, tuple(t.folded for t in toks)))
            self._passages = tuple(passages)
        return self._passages

    def keyword_spans(self, keys: Iterable[str], limit: int) -> list[Span]:
        """Return where the words whose index key is one of ``keys`` occur, in reading order (at most ``limit``)."""
        windows = self._even_windows()
        if not windows:
            return self._token_keyword_spans(set(keys), limit)
        shown, words = self.keys, self._words
        wanted = [word for key in keys if key in shown for word in inflections(key) if word in words]
        found: list[Span] = []
        for window in windows:
            room = limit - len(found)
            starts = sorted((s, w) for w in wanted for s in islice(_starts(window, w), room))
            found.extend((window.field, s, s + len(w)) for s, w in starts[:room])
            if len(found) >= limit:
                break
        return found

    def phrase_spans(self, words: tuple[str, ...], limit: int) -> list[Span]:
        """Return where ``words`` are consecutive tokens, in reading order (at most ``limit``)."""
        if not words:
            return []
        windows = self._even_windows()
        if not windows:
            return self._token_phrase_spans(words, limit)
        found: list[Span] = []
        first, rest = words[0], words[1:]
        for window in windows:
            for start in _starts(window, first):
                end = _follows(window, rest, window.lo + start + len(first))
                if end is not None:
                    found.append((window.field, start, end))
                    if len(found) >= limit:
                        return found
        return found

    def _even_windows(self) -> tuple[_Window, ...]:
        """Title and text in the flat text when its words are exactly their tokens, else nothing."""
        if self._windows is None:
            flat = self._flat
            if flat is not None and (flat.isascii() or _EVEN.fullmatch(flat) is not None):
                title, text = self.article.title, self.article.text
                lo = len(title) + 1
                self._windows = (
                    _Window("title", flat, 0, len(title), title),
                    _Window("text", flat, lo, len(flat), text),
                )
            else:
                self._windows = ()
        return self._windows

    def _token_keyword_spans(self, wanted: set[str], limit: int) -> list[Span]:
        found: list[Span] = []
        for passage in self.passages:
            for tok in passage.tokens:
                if article_keyword_key(tok.folded, self.lang) in wanted:
                    found.append((passage.field, tok.start, tok.end))
                    if len(found) >= limit:
                        return found
        return found

    def _token_phrase_spans(self, words: tuple[str, ...], limit: int) -> list[Span]:
        found: list[Span] = []
        n, first = len(words), words[0]
        for passage in self.passages:
            folded = passage.words
            for i in range(len(folded) - n + 1):
                if folded[i] == first and folded[i : i + n] == words:
                    found.append((passage.field, passage.tokens[i].start, passage.tokens[i + n - 1].end))
                    if len(found) >= limit:
                        return found
        return found


def _dropped(word: str, start: int, end: int, text: str) -> bool:
    """Tell whether :func:`tokens` drops this word: a French elision (``l'``) or a possessive ``'s``."""
    if word not in ELIDED:
        return False
    if end + 1 < len(text) and text[end] in APOSTROPHES and text[end + 1].isalpha():
        return True
    return word == "s" and start > 1 and text[start - 1] in APOSTROPHES and text[start - 2].isalnum()


def _starts(window: _Window, word: str) -> Iterator[int]:
    """Yield the field offsets where ``word`` is a whole token of the field."""
    flat, lo, hi, text = window.flat, window.lo, window.hi, window.text
    size = len(word)
    at = flat.find(word, lo, hi)
    while at >= 0:
        end = at + size
        if (at == lo or flat[at - 1] == " ") and (end == hi or flat[end] == " "):
            if not _dropped(word, at - lo, end - lo, text):
                yield at - lo
            at = flat.find(word, end + 1, hi)
        else:
            at = flat.find(word, at + 1, hi)


def _follows(window: _Window, words: tuple[str, ...], at: int) -> int | None:
    """Return the field offset where ``words`` end if they are the next tokens from ``at``, else None."""
    flat, lo, hi, text = window.flat, window.lo, window.hi, window.text
    end = at - lo
    for word in words:
        while True:
            run = _RUN.search(flat, at, hi)
            if run is None:
                return None
            at = run.end()
            found = run.group()
            if not _dropped(found, run.start() - lo, at - lo, text):
                break
        if found != word:
            return None
        end = at - lo
    return end


def source_domains(source: str, url: str | None) -> set[str]:
    """Return the article's source domain and its parent domains (``a.b.com`` -> ``a.b.com``, ``b.com``)."""
    hosts: set[str] = set()
    for candidate in (source, urlsplit(url).hostname if url else None):
        if candidate and "." in candidate and " " not in candidate.strip():
            hosts.add(candidate.strip().lower().removeprefix("www.").rstrip("."))
    domains: set[str] = set()
    for host in hosts:
        labels = host.split(".")
        domains.update(".".join(labels[i:]) for i in range(len(labels) - 1))
    return domains


def _composed(text: str) -> str:
    # decomposed accents would stay inside words once flattened; tokens() strips them
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def facts_of(tagged: TaggedArticle, affiliations: Affiliations) -> Facts:
    """Compute what rules can see of ``tagged``."""
    article = tagged.article
    lang = tagged.lang.lower()
    keys: set[str] = {f"l:{lang}"}
    actors: dict[str, list[ActorTag]] = defaultdict(list)
    for actor in tagged.actors:
        for holder in affiliations.holders(actor.id):
            actors[f"a:{holder}"].append(actor)
    topics = {f"t:{t.id}": t for t in tagged.topics}
    keys.update(actors, topics)
    keys.update(f"s:{d}" for d in source_domains(article.source, article.url))
    title, text = _composed(article.title), _composed(article.text)
    # one flatten for both fields; the space keeps their words apart and the text's offsets known
    flat = flatten(f"{title} {text}")
    words = set(flat.split())
    keys.update(article_keyword_keys(words, lang))
    composed = title is article.title and text is article.text
    return Facts(
        article,
        lang,
        frozenset(keys),
        {k: tuple(v) for k, v in actors.items()},
        topics,
        flat=flat if composed else None,
        words=words,
    )
