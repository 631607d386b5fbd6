"""`newsalert feeds add|list|remove` and `newsalert articles`: the sources and what came in from them."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import redis.asyncio as aioredis

from services.cli import with_redis
from services.ingest.api import feed_row
from services.ingest.archive import parse_span_s, recent_articles
from services.ingest.feeds import DEFAULT_INTERVAL_S, FeedStore, new_feed

EXIT_NOT_FOUND = 1
ARTICLE_FIELDS = ("id", "url", "title", "source", "published", "lang", "text")


def _add(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        feed = new_feed(args.url, args.name, args.interval_s, "page" if args.page else "feed")
        stored, _, created = await FeedStore(client).upsert(feed)
        verb = "added" if created else "updated"
        print(f"{verb} feed {stored.id}  {stored.name}  every {stored.interval_s} s  {stored.url}")
        return 0

    return with_redis(work)


def _one_line(text: Any) -> str:
    return " ".join(str(text if text is not None else "-").split())


def _list(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        rows = [feed_row(feed, state) for feed, state in await FeedStore(client).all()]
        if args.json:
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            print()
            return 0
        if not rows:
            print("no feeds; add one with `newsalert feeds add URL`")
        for row in rows:
            print(
                f"{row['id']}  {row['status']:<8}  {row['interval_s']:>6} s  {row['articles_seen']:>6} articles  "
                f"{_one_line(row['name'])[:30]:<30}  {row['url']}"
            )
            if row["last_error"] and row["status"] != "ok":
                print(
                    f"    last error ({row['consecutive_failures']}x, {row['last_error_at']}): "
                    f"{_one_line(row['last_error'])}"
                )
        return 0

    return with_redis(work)


def _remove(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        if not await FeedStore(client).remove(args.id):
            print(f"newsalert: no feed {args.id} (see `newsalert feeds list`)", file=sys.stderr)
            return EXIT_NOT_FOUND
        print(f"removed feed {args.id}")
        return 0

    return with_redis(work)


def _articles(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        since_s = parse_span_s(args.since)
        for article in await recent_articles(client, since_s):
            if args.json:
                print(article.model_dump_json(include=set(ARTICLE_FIELDS)))
            else:
                day = article.published.strftime("%Y-%m-%d %H:%M") if article.published else "-" * 16
                print(
                    f"{article.id[:12]}  {day}  {article.lang or '--':<2}  {article.source[:24]:<24}  "
                    f"{_one_line(article.title)[:90]}"
                )
        return 0

    return with_redis(work)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `feeds` and `articles` to the `newsalert` command."""
    feeds = sub.add_parser("feeds", help="the sources ingest polls: add, list (with health), remove")
    actions = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a feed (RSS, Atom, JSON Feed) or, with --page, a section page")
    add.add_argument("url")
    add.add_argument("--name", help="a readable name (default: the site's domain)")
    add.add_argument("--interval-s", type=int, default=DEFAULT_INTERVAL_S, help="poll interval, at least 30 s")
    add.add_argument("--page", action="store_true", help="watch a section page for new article links")
    add.set_defaults(func=_add)
    listing = actions.add_parser("list", help="every feed with its health and last error")
    listing.add_argument("--json", action="store_true", help="one JSON document")
    listing.set_defaults(func=_list)
    remove = actions.add_parser("remove", help="stop polling a feed")
    remove.add_argument("id")
    remove.set_defaults(func=_remove)
    articles = sub.add_parser("articles", help="articles ingested recently, as they came in (before tagging)")
    articles.add_argument("--since", default="24h", help="how far back, by ingestion time (default 24h)")
    articles.add_argument("--json", action="store_true", help="one JSON object per line")
    articles.set_defaults(func=_articles)
