"""`newsalert tag [FILE...]`: tag articles given as JSON lines, offline, without Redis."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

from pydantic import ValidationError

from services.classify.stories import LocalStories
from services.classify.tagger import tag
from services.cli import input_lines
from shared.errors import ConfigError, InputError
from shared.models import MAX_TEXT_CHARS, Article
from shared.vocabulary import Vocabulary, default_vocabulary

MAX_LINE_BYTES = MAX_TEXT_CHARS * 4 + 65_536
"""A longer line cannot hold a valid article: it is refused before being parsed."""
_DROP_VERSIONS: Any = {"schema_version": True, "mentions": {"__all__": {"schema_version"}}}
EXIT_BAD_INPUT = 1
EXIT_CONFIG = 2


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``newsalert tag``."""
    parser = sub.add_parser(
        "tag",
        help="tag articles (JSON lines) with language, actors, topics and story, offline",
        description="Read articles as JSON lines (files, or stdin when none or '-') and write one JSON line "
        "per article with lang, actors, topics and story. Bad lines are reported on stderr and skipped.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="JSON-lines files; stdin when none or '-'")
    parser.set_defaults(func=run)


def parse_article(line: bytes) -> Article:
    """Parse one JSON line into an article; an id is derived from the content when absent."""
    if len(line) > MAX_LINE_BYTES:
        raise InputError(f"line of {len(line)} bytes is longer than any valid article")
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError(f"not a JSON line: {e}") from e
    if not isinstance(data, dict):
        raise InputError("not a JSON object")
    if "id" not in data:
        content = f"{data.get('url', '')}\x1f{data.get('title', '')}\x1f{data.get('text', '')}"
        data["id"] = hashlib.sha256(content.encode("utf-8", "replace")).hexdigest()[:32]
    try:
        return Article.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'article'}: {err['msg']}" for err in e.errors())
        raise InputError(f"invalid article: {problems}") from e


def tagged_line(article: Article, vocabulary: Vocabulary, stories: LocalStories) -> str:
    """Tag one article and render it as one JSON line."""
    tags = tag(article, vocabulary)
    record: dict[str, Any] = {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "lang": tags.lang,
        "story": stories.assign(article),
        "actors": [actor.model_dump(mode="json", exclude=_DROP_VERSIONS) for actor in tags.actors],
        "topics": [topic.model_dump(mode="json", exclude=_DROP_VERSIONS) for topic in tags.topics],
    }
    return json.dumps(record, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    """Tag every article of the input; return 1 when some lines were bad, 2 when nothing could start."""
    try:
        vocabulary = default_vocabulary()
    except ConfigError as e:
        print(f"newsalert tag: {e}", file=sys.stderr)
        return EXIT_CONFIG
    stories, bad = LocalStories(), 0
    try:
        for name, number, line in input_lines(args.files, skip_unreadable=False):
            try:
                print(tagged_line(parse_article(line), vocabulary, stories), flush=True)
            except InputError as e:
                bad += 1
                print(f"newsalert tag: {name}:{number}: {e}", file=sys.stderr)
    except OSError as e:
        print(f"newsalert tag: cannot read input: {e}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_BAD_INPUT if bad else 0
