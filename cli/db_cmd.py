"""`liqfade db migrate` and `liqfade db prune`: the audit log's schema and retention, as one-off jobs (a Railway
cron can run the prune; the projector also prunes on its own schedule, and the two never run at once)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

import orjson
import psycopg
import redis

from projector.migrate import apply_migrations
from projector.prune import prune, pruned_through
from replay.sources.recording import iso, parse_time
from runtime.config_store import load_active
from runtime.settings import get_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="db_command", required=True)
    commands.add_parser("migrate", help="apply the schema migrations not applied yet")
    pruning = commands.add_parser("prune", help="drop what the retention window has left behind; prints JSON")
    pruning.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    pruning.add_argument("--window-days", type=int,
                         help="instead of the active config's retention.replay_window_days (2..90)")
    pruning.add_argument("--now", help="prune as if it were this time (ISO or epoch ms; for drills)")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        with psycopg.connect(settings.database_url, autocommit=True, connect_timeout=10) as conn:
            applied = apply_migrations(conn)
            if args.db_command == "migrate":
                print(orjson.dumps({"applied": applied}).decode())
                return 0
            window = args.window_days or _configured_window(settings.redis_url)
            if not 2 <= window <= 90:
                print(f"db prune: --window-days must be 2..90, not {window}", file=sys.stderr)
                return 2
            now_ms = parse_time(args.now) if args.now else time.time_ns() // 1_000_000
            report = prune(conn, now_ms, window, dry_run=args.dry_run)
            if report is None:
                print("db prune: another prune is running (the projector's, or another job's); nothing done",
                      file=sys.stderr)
                return 1
            gone = pruned_through(conn)
    except ValueError as exc:
        print(f"db prune: {exc}", file=sys.stderr)
        return 2
    except psycopg.Error as exc:
        print(f"db: cannot reach the database: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    shown = dataclasses.asdict(report) | {"now": iso(now_ms), "dry_run": args.dry_run,
                                          "pruned_through": gone.isoformat() if gone else None}
    print(orjson.dumps(shown, default=str).decode())
    return 0


def _configured_window(redis_url: str) -> int:
    try:
        client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
        client.ping()
    except redis.RedisError:
        client = None  # the config file, then the defaults
    return load_active(client).retention.replay_window_days
