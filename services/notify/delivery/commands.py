"""`newsalert alerts` and `newsalert dead`: what delivery did, what it gave up on, and a way to retry."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import Any, cast

import redis.asyncio as aioredis
from pydantic import ValidationError

from services.cli import with_redis
from services.notify.delivery.ledger import Keys, Ledger, Record, text
from services.notify.delivery.schedule import Schedule, alert_job
from shared.errors import InputError
from shared.models import Alert, DeadLetter, utc_now
from shared.stage import decode_payload
from shared.streams import ALERTS, DELIVER_GROUP, STAGES, dead

EXIT_NOT_FOUND = 1
RECENT_LIMIT = 50
DEAD_LIMIT = 100
Entries = list[tuple[bytes, dict[bytes, bytes]]]


def _row(record: Record) -> dict[str, Any]:
    a = record.alert
    return {
        "id": a.id,
        "created": a.created.isoformat(),
        "subscription": a.subscription,
        "rule": a.subscription_name,
        "channel": a.channel,
        "story": a.story,
        "article_id": a.tagged.article.id,
        "title": a.tagged.article.title,
        "url": a.tagged.article.url,
        "status": record.status,
        "attempts": record.attempts,
        "reason": record.reason,
    }


async def list_alerts(client: aioredis.Redis, limit: int = RECENT_LIMIT) -> list[dict[str, Any]]:
    """Recent alerts with their per-target (channel) status, newest first."""
    return [_row(r) for r in await Ledger(client, Keys(), 0, 0).recent(limit)]


async def list_dead(client: aioredis.Redis, limit: int = DEAD_LIMIT) -> list[dict[str, Any]]:
    """Dead letters of every stage, newest first."""
    rows = []
    for stream, _ in STAGES:
        entries = cast(Entries, await client.xrevrange(dead(stream), count=limit))
        for entry_id, fields in entries:
            try:
                letter = DeadLetter.model_validate_json(decode_payload(fields))
            except (InputError, ValidationError, ValueError):
                rows.append({"id": text(entry_id), "stream": dead(stream), "reason": "unreadable dead letter"})
                continue
            row = letter.model_dump(mode="json", exclude={"payload_b64"})
            rows.append({"id": text(entry_id), "stream": dead(stream), **row})
    return sorted(rows, key=lambda r: str(r.get("failed_at", "")), reverse=True)[:limit]


async def retry_dead(client: aioredis.Redis, entry_id: str) -> str:
    """Re-queue one dead letter: a failed delivery is scheduled again, any other entry re-enters its stream."""
    for stream, _ in STAGES:
        found = cast(Entries, await client.xrange(dead(stream), min=entry_id, max=entry_id))
        if not found:
            continue
        letter = DeadLetter.model_validate_json(decode_payload(found[0][1]))
        payload = base64.b64decode(letter.payload_b64)
        if letter.origin_stream == ALERTS and letter.group == DELIVER_GROUP and letter.origin_id != "":
            with_record = await _requeue_delivery(client, payload)
            if with_record:
                await client.xdel(dead(stream), entry_id)
                return f"delivery of alert {letter.origin_id} scheduled again"
        await client.xadd(letter.origin_stream, {"__data__": payload})
        await client.xdel(dead(stream), entry_id)
        return f"entry re-added to {letter.origin_stream}"
    raise InputError(f"no dead letter {entry_id}")


async def _requeue_delivery(client: aioredis.Redis, payload: bytes) -> bool:
    try:
        alert = Alert.model_validate_json(payload)
    except ValidationError:
        return False
    keys = Keys()
    if not await client.exists(keys.record(alert.id)):
        return False
    await client.hset(keys.record(alert.id), mapping={"status": "queued", "attempts": 0, "reason": "retried by hand"})
    await client.hdel(keys.record(alert.id), "first_failure")
    await client.delete(keys.buried(alert.id))  # failing again must dead-letter it again
    await Schedule(client, keys).at(alert_job(alert.id), utc_now())
    return True


def _print(rows: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...]) -> None:
    if as_json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    for row in rows:
        print("  ".join(" ".join(str(row.get(c, "")).split())[:70] for c in columns))


def _alerts(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        rows = await list_alerts(client, args.limit)
        _print(rows, args.json, ("created", "status", "attempts", "rule", "channel", "title", "reason"))
        return 0

    return with_redis(work)


def _dead(args: argparse.Namespace) -> int:
    async def work(client: aioredis.Redis) -> int:
        if args.action == "retry":
            if not args.id:
                print("newsalert: dead retry needs an ID (see `newsalert dead`)", file=sys.stderr)
                return 2
            print(await retry_dead(client, args.id))
            return 0
        _print(await list_dead(client), args.json, ("id", "stream", "failed_at", "deliveries", "reason"))
        return 0

    return with_redis(work)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `alerts` and `dead` to the `newsalert` command."""
    alerts = sub.add_parser("alerts", help="recent alerts and their delivery status per target")
    alerts.add_argument("--json", action="store_true", help="one JSON document")
    alerts.add_argument("--limit", type=int, default=RECENT_LIMIT, help="how many (default %(default)s)")
    alerts.set_defaults(func=_alerts)
    dead_cmd = sub.add_parser("dead", help="dead letters of every stage; `dead retry ID` re-queues one")
    dead_cmd.add_argument("action", nargs="?", choices=["list", "retry"], default="list")
    dead_cmd.add_argument("id", nargs="?", help="dead letter id (with retry)")
    dead_cmd.add_argument("--json", action="store_true", help="one JSON document")
    dead_cmd.set_defaults(func=_dead)
