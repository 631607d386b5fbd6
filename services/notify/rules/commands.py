"""`newsalert rules add|list|remove|test` (on Redis) and `newsalert match` (offline)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import redis.asyncio as aioredis
from pydantic import SecretStr, ValidationError

from services.cli import with_redis
from services.notify.rules.admission import admission
from services.notify.rules.api import rule_out
from services.notify.rules.archive import Archive
from services.notify.rules.backtest import Backtest, backtest_archive, parse_period
from services.notify.rules.facts import Affiliations
from services.notify.rules.query import Compiler
from services.notify.rules.settings import RulesSettings
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription, new_id
from shared.errors import InputError, QueryError
from shared.models import TermEvidence
from shared.vocabulary import default_vocabulary

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2


def describe(why: Iterable[TermEvidence]) -> str:
    """One line of evidence: each held term with what satisfied it, each exclusion as absent."""
    parts = []
    for ev in why:
        if ev.negated:
            parts.append(f"-{ev.term}: absent" if not ev.held else f"-{ev.term}: PRESENT")
        elif ev.held:
            shown = ", ".join(f'"{m.text}" ({m.field} {m.start})' for m in ev.mentions[:2])
            parts.append(f"{ev.term}: {shown or ev.ref}")
    return "; ".join(parts)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"newsalert: {message}", file=sys.stderr)
    return code


def _add(args: argparse.Namespace) -> int:
    compiler = Compiler(default_vocabulary())
    try:
        sub = Subscription(
            id=new_id(),
            name=args.name,
            query=args.query,
            targets=tuple(SecretStr(t) for t in args.notify),
            delivery="digest" if args.digest else "instant",
            digest_every=args.digest or "daily",
        )
        compiler.compile(sub.query)
    except QueryError as e:
        return _fail(f"query {e}")
    except ValidationError as e:
        return _fail("; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()))

    async def work(client: aioredis.Redis) -> int:
        saved = await SubscriptionStore(client, admission(compiler)).save(sub)
        print(saved.id)
        return 0

    return with_redis(work)


def _list(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        rows = [rule_out(s).model_dump(mode="json") for s in await SubscriptionStore(client).all()]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        for row in rows:
            channels = ",".join(c["scheme"] for c in row["channels"])
            state = "on " if row["enabled"] else "off"
            print(f"{row['id']}  {state}  {row['delivery']:<7}  {channels:<14}  {row['name']}: {row['query']}")
        return 0

    return with_redis(work)


def _remove(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        store = SubscriptionStore(client)
        sub = await store.get(args.id) or await store.get_by_name(args.id)
        if sub is None or not await store.remove(sub.id):
            return _fail(f"no rule {args.id}", EXIT_BAD_INPUT)
        print(f"removed {sub.id} ({sub.name})")
        return 0

    return with_redis(work)


def print_backtest(result: Backtest) -> None:
    """Print one line per match with its evidence, then the alerts it would have sent per day."""
    for hit in result.hits:
        article = hit.tagged.article
        mark = "alert" if hit.alerted else "same story"
        title = " ".join(article.title.split())[:90]
        print(f"{hit.tagged.tagged:%Y-%m-%d %H:%M}  {mark:<10}  {title}  [{describe(hit.why)}]")
    summary = f"{result.matched} of {result.scanned} archived articles matched"
    print(f"{summary}; {result.alerts} alerts after story de-duplication")
    for day, count in sorted(result.alerts_per_day.items()):
        print(f"{day.isoformat()}  {count} alert{'s' if count != 1 else ''}")


def _test(args: argparse.Namespace) -> int:
    vocabulary = default_vocabulary()
    try:
        query = Compiler(vocabulary).compile(args.query)
        period = parse_period(args.since)
    except InputError as e:
        return _fail(str(e))

    async def work(client: aioredis.Redis) -> int:
        archive = Archive(client, RulesSettings().archive_retention_days)
        print_backtest(await backtest_archive(query, archive, Affiliations(vocabulary), period))
        return 0

    return with_redis(work)


def _match(args: argparse.Namespace) -> int:
    from services.notify.rules.offline import run_match

    return run_match(args)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``newsalert rules ...`` and ``newsalert match``."""
    rules = sub.add_parser("rules", help="watch rules: add, list, remove, test (backtest)")
    verbs = rules.add_subparsers(dest="verb", required=True, metavar="{add,list,remove,test}")
    add = verbs.add_parser("add", help="save a watch rule", description="Save a watch rule; prints its id.")
    add.add_argument("--name", required=True)
    add.add_argument("--query", required=True, help='e.g. "AES + Russia summit" (see docs/rules.md)')
    add.add_argument("--notify", action="append", required=True, metavar="TARGET", help="mailto: or apprise URL")
    add.add_argument("--digest", choices=("hourly", "daily"), help="send digests instead of instant alerts")
    add.set_defaults(func=_add)
    listing = verbs.add_parser("list", help="list watch rules (targets are never shown)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_list)
    remove = verbs.add_parser("remove", help="delete a watch rule by id or name")
    remove.add_argument("id", metavar="ID")
    remove.set_defaults(func=_remove)
    test = verbs.add_parser("test", help="backtest a query on the archived tagged articles")
    test.add_argument("query", metavar="QUERY")
    test.add_argument("--since", default="7d", help="period to replay: 30m, 12h, 7d, 2w (default 7d)")
    test.set_defaults(func=_test)
    match = sub.add_parser(
        "match",
        help="match articles (JSON lines) against a query or a rules file, offline",
        description="Print one JSON line per article: {id, matched, explanation} for QUERY, or "
        "{id, matched: [line numbers]} with --rules. A bad query exits 2 and prints nothing on stdout.",
    )
    match.add_argument("query", nargs="?", metavar="QUERY")
    match.add_argument("files", nargs="*", metavar="FILE", help="JSON-lines files; stdin when none or '-'")
    match.add_argument("--rules", type=Path, metavar="RULES_FILE", help="one query per line")
    match.set_defaults(func=_match)
