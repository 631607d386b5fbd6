"""`newsalert match`: run one query, or a file of queries, over articles given as JSON lines.

An input line is either a tagged article (as in the ``newsalert:tagged`` stream) or a
plain article, which is then tagged here with the same tagger and vocabulary classify
uses. Nothing touches Redis.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.classify.commands import parse_article
from services.classify.stories import LocalStories
from services.classify.tagger import tag
from services.cli import input_lines
from services.notify.rules.facts import Affiliations, facts_of
from services.notify.rules.index import RuleIndex
from services.notify.rules.matcher import explain, holds
from services.notify.rules.query import Compiler, Query
from shared.errors import ConfigError, InputError, QueryError
from shared.models import TaggedArticle
from shared.vocabulary import Vocabulary, default_vocabulary

_NO_VERSIONS: Any = {"schema_version": True, "mentions": {"__all__": {"schema_version"}}}
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


def read_tagged(line: bytes, vocabulary: Vocabulary, stories: LocalStories) -> TaggedArticle:
    """Parse one input line; a plain article is tagged on the way."""
    try:
        data = json.loads(line)
    except ValueError as e:
        raise InputError(f"not a JSON line: {e}") from e
    if isinstance(data, dict) and "article" in data:
        try:
            return TaggedArticle.model_validate(data)
        except ValidationError as e:
            raise InputError(f"invalid tagged article: {e.errors()[0]['msg']}") from e
    article = parse_article(line)
    tags = tag(article, vocabulary)
    return TaggedArticle(
        article=article, lang=tags.lang, actors=tags.actors, topics=tags.topics, story=stories.assign(article)
    )


def read_rules(path: Path, compiler: Compiler) -> list[tuple[str, Query]]:
    """Compile one query per line (blank lines and ``#`` comments skipped), keyed by line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read rules file {path}: {e}") from e
    rules = []
    for number, line in enumerate(lines, start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            try:
                rules.append((str(number), compiler.compile(line)))
            except QueryError as e:
                raise QueryError(f"{path} line {number}: {e.message}", e.column) from e
    return rules


def run_match(args: argparse.Namespace) -> int:
    """Print one JSON line per input article; exit 2 (stdout untouched) on a bad query."""
    try:
        vocabulary = default_vocabulary()
        compiler = Compiler(vocabulary)
        if args.rules is not None:
            index = RuleIndex()
            index.build(read_rules(args.rules, compiler))
            single: Query | None = None
            files = [args.query, *args.files] if args.query is not None else args.files
        elif args.query is None:
            print("newsalert match: give a QUERY or --rules RULES_FILE", file=sys.stderr)
            return EXIT_USAGE
        else:
            single, files = compiler.compile(args.query), args.files
    except (QueryError, ConfigError) as e:
        print(f"newsalert match: {e}", file=sys.stderr)
        return EXIT_USAGE
    affiliations, stories, bad = Affiliations(vocabulary), LocalStories(), 0
    for name, number, line in input_lines(files):
        try:
            tagged = read_tagged(line, vocabulary, stories)
        except InputError as e:
            bad += 1
            print(f"newsalert match: {name}:{number}: {e}", file=sys.stderr)
            continue
        facts = facts_of(tagged, affiliations)
        if single is None:
            record: dict[str, object] = {"id": tagged.article.id, "matched": [int(n) for n in index.match(facts)]}
        else:
            matched = holds(single.root, facts)
            why = [ev.model_dump(mode="json", exclude=_NO_VERSIONS) for ev in explain(single.root, facts)]
            record = {"id": tagged.article.id, "matched": matched, "explanation": why}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return EXIT_BAD_INPUT if bad else 0
