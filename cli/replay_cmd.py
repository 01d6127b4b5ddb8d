"""`liqfade replay`: the arguments, and which entry point of the replay package runs them.

Over files (--events, --liquidations, --klines): replay/backtest.py. An incident from the log
(--from-db, --from-redis): replay/incident.py.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", help="JSONL of envelopes (a stream export or a replay output)")
    parser.add_argument("--out", help="directory for events.jsonl and summary.json (and diff.json with "
                                      "--from-db/--from-redis); required for the other inputs")
    parser.add_argument("--cores", default="",
                        help="comma-separated cores to run (default: every core built)")
    parser.add_argument("--config", default="", help="config JSON file (default: config/default.json)")
    parser.add_argument("--until-ms", type=int, default=None,
                        help="keep firing timers until this epoch ms after the last input")
    parser.add_argument("--drain-seconds", type=int, default=900,
                        help="without --until-ms, fire timers this long past the last input (default 900)")
    parser.add_argument("--liquidations",
                        help="forceOrder CSV (data/market format: UTC ISO times, usd_value)")
    parser.add_argument("--klines", action="append", default=[],
                        help="1m kline CSV (Binance public-data format); the symbol comes from the file "
                             "name; repeat for several symbols")
    parser.add_argument("--spread-bps", type=Decimal, default=Decimal(1),
                        help="CSV input: spread of the book ticker synthesised at each kline close "
                             "(default 1)")
    log = parser.add_argument_group("replay an incident from the log and compare with what happened")
    log.add_argument("--from-db", action="store_true",
                     help="read the PostgreSQL events table (needs --since and --until)")
    log.add_argument("--from-redis", action="store_true",
                     help="read the Redis streams with XRANGE (never through a consumer group)")
    log.add_argument("--since", help="window start: ISO time (naive = UTC) or epoch ms")
    log.add_argument("--until", help="window end: ISO time (naive = UTC) or epoch ms")
    log.add_argument("--config-version", default=None,
                     help="replay with this version (default: the version active at the replay start)")
    log.add_argument("--warmup-minutes", default="30",
                     help="also replay the recorded inputs this long before --since, to rebuild the cores' "
                          "state; only outputs from --since on are compared (default 30)")
    log.add_argument("--timing", choices=("recorded", "virtual"), default="recorded",
                     help="recorded (default): each core re-takes its recorded decisions, in the recorded "
                          "order and at the recorded times, and the outputs must match byte for byte (ids "
                          "included); virtual: cores run in virtual time on the recorded inputs (what the "
                          "backtest does; use it with another config), matched on type, correlation id "
                          "and payload")
    log.add_argument("--ignore-types", default=None,
                     help="comma-separated output types counted but not compared (default: none with "
                          "--timing recorded; Heartbeat with --timing virtual, whose cadence follows the "
                          "live runner's timer ticks)")
    log.add_argument("--database-url", default="", help="default: DATABASE_URL from the settings")
    log.add_argument("--redis-url", default="", help="default: REDIS_URL from the settings")


def run(args: argparse.Namespace) -> int:
    cores = tuple(c for c in args.cores.split(",") if c)
    if args.from_db or args.from_redis:
        return _incident(args, cores)
    from replay import backtest

    return backtest.run(backtest.BacktestRequest(
        out=args.out, events=args.events, liquidations=args.liquidations, klines=tuple(args.klines),
        spread_bps=args.spread_bps, config=args.config, cores=cores, until_ms=args.until_ms,
        drain_seconds=args.drain_seconds))


def _incident(args: argparse.Namespace, cores: tuple[str, ...]) -> int:
    if args.from_db and args.from_redis:
        return _refuse("choose one of --from-db and --from-redis")
    if args.events or args.liquidations or args.klines:
        return _refuse("--from-db/--from-redis replay the log; they do not take --events or CSV inputs")
    # imported here: psycopg, redis and the executor load only when the log is replayed
    from replay import incident
    from replay.recorded_executor import executor_as_recorded

    return incident.run(incident.IncidentRequest(
        source="db" if args.from_db else "redis", since=args.since, until=args.until,
        warmup_minutes=args.warmup_minutes, config_version=args.config_version, config=args.config, cores=cores,
        timing=args.timing, ignore_types=args.ignore_types, database_url=args.database_url,
        redis_url=args.redis_url, out=args.out), executor_as_recorded)


def _refuse(problem: str) -> int:
    print(f"replay: {problem}", file=sys.stderr)
    return 2
