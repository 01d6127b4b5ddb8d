"""`liqfade replay`: run cores in virtual time over recorded events and write what they decide.

With --from-db/--from-redis it replays a recorded incident from the log and compares (cli/replay_log.py).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from cli import plugins
from runtime import market_csv
from runtime.config_store import load_active
from runtime.core import Core
from runtime.replay import ReplayDriver
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.market import LiquidationObserved
from schemas.registry import SkipEvent, decode, encode
from schemas.signals import SetupConfirmed, SetupRejected


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


def read_events_jsonl(path: str) -> list[Envelope]:
    """Every decodable envelope in the file; unknown or newer types are reported and skipped."""
    events: list[Envelope] = []
    skipped: Counter[str] = Counter()
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                events.append(decode(line))
            except SkipEvent as skip:
                skipped[skip.kind] += 1
    if skipped:
        print(f"skipped input lines: {dict(skipped)}", file=sys.stderr)
    return events


def in_time_order(events: Iterable[Envelope]) -> list[Envelope]:
    """Stable sort by event time: ties keep their recorded order."""
    return sorted(events, key=lambda e: e.ts)


def make_cores(names: Sequence[str], config: BotConfig) -> list[Core[Any]]:
    built = plugins.available(plugins.CORES)
    chosen = list(names) or list(built)
    missing = [n for n in chosen if n not in built]
    if missing:
        raise SystemExit(f"unknown or unbuilt cores: {', '.join(missing)} (available: {', '.join(built)})")
    return [plugins.load(built[name])(config) for name in chosen]


def write_outputs(out_dir: str, outputs: Iterable[Envelope], extra_summary: dict[str, Any]) -> dict[str, Any]:
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    by_type: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    with open(directory / "events.jsonl", "wb") as f:
        for envelope in outputs:
            f.write(encode(envelope) + b"\n")
            by_type[envelope.type] += 1
            reason = getattr(envelope.payload, "reason", None)
            if reason is not None:
                by_reason[f"{envelope.type}:{reason}"] += 1
    summary = {**extra_summary, "by_type": dict(sorted(by_type.items())),
               "by_reason": dict(sorted(by_reason.items()))}
    (directory / "summary.json").write_bytes(
        orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return summary


def csv_inputs(args: argparse.Namespace) -> tuple[list[Envelope], dict[str, Any]]:
    """Market events from the CSV files, and what the summary must say about how they were made."""
    report = market_csv.CsvReport()
    liquidations = market_csv.liquidation_events(args.liquidations, report) if args.liquidations else []
    klines = [e for path in args.klines
              for e in market_csv.kline_events(path, spread_bps=args.spread_bps, report=report)]
    liq_symbols = sorted({e.payload.symbol for e in liquidations
                          if isinstance(e.payload, LiquidationObserved)})
    no_bars = [s for s in liq_symbols if s not in report.kline_symbols]
    assumptions = [
        "liquidations: LiquidationObserved at the row's trade time o.T (UTC), usd_value as written "
        "in the CSV",
        "klines: KlineClosed at close_time only; the CSVs hold no forming-candle snapshots, so there is no "
        "KlineUpdated and the volume check is decided at the spike candle's close",
        f"book: no recorded book; BookTickerUpdated is synthesised along each candle's path (open at "
        f"open_time, the extremes at +20 s and +40 s, low first on an up candle, close at close_time) "
        f"at price x (1 -/+ {args.spread_bps}/2 bps), i.e. a constant {args.spread_bps} bps spread, "
        "each side's quantity the candle's volume / 60; paper fills and exits follow this path",
    ]
    if no_bars:
        assumptions.append(
            f"no klines for {', '.join(no_bars)}: their setups can never decide the volume check nor see a "
            "book, so each ends SetupRejected(volume) at max_setup_age_seconds")
    info = {"csv": {"liquidations": report.liquidations, "klines": report.klines, "books": report.books,
                    "kline_symbols": report.kline_symbols, "skipped_symbols": report.skipped_symbols,
                    "spread_bps": str(args.spread_bps)},
            "assumptions": assumptions}
    return market_csv.in_exchange_order(liquidations, klines), info


def with_outcomes(outputs: Iterable[Envelope], summary: dict[str, Any]) -> Iterator[Envelope]:
    """Pass outputs through, listing every setup's outcome in `summary["setups"]` on the way."""
    setups: list[dict[str, Any]] = summary.setdefault("setups", [])
    for envelope in outputs:
        p = envelope.payload
        if isinstance(p, SetupConfirmed | SetupRejected):
            setups.append({"setup_id": p.setup_id, "ts": envelope.ts, "outcome": envelope.type,
                           "reason": getattr(p, "reason", None), "liq_usd": str(p.liq_usd)})
        yield envelope


def run(args: argparse.Namespace) -> int:
    if args.from_db or args.from_redis:
        from cli import replay_log  # imports psycopg and redis only when the log is replayed

        return replay_log.run(args)
    if not args.out:
        print("replay needs --out DIR", file=sys.stderr)
        return 2
    if not args.events and not args.liquidations and not args.klines:
        print("replay needs an input: --events FILE.jsonl and/or --liquidations/--klines CSV",
              file=sys.stderr)
        return 2
    config = load_active(None, args.config)
    recorded = read_events_jsonl(args.events) if args.events else []
    from_csv, csv_info = csv_inputs(args) if (args.liquidations or args.klines) else ([], {})
    inputs = in_time_order([*recorded, *from_csv])
    cores = make_cores([c for c in args.cores.split(",") if c], config)
    until = args.until_ms
    if until is None and inputs:
        until = inputs[-1].ts + args.drain_seconds * 1000
    driver = ReplayDriver(cores)
    extra: dict[str, Any] = {
        "inputs": len(inputs), "cores": [c.name for c in cores], "config_version": config.version,
        "source": args.events or None, **csv_info,
    }
    summary = write_outputs(args.out, with_outcomes(driver.run(inputs, until=until), extra), extra)
    print(orjson.dumps(summary).decode())
    return 0
