"""`liqfade replay`: run cores in virtual time over recorded events and write what they decide."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from cli import plugins
from runtime.config_store import load_active
from runtime.core import Core
from runtime.replay import ReplayDriver
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.registry import SkipEvent, decode, encode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", help="JSONL of envelopes (a stream export or a replay output)")
    parser.add_argument("--out", required=True, help="directory for events.jsonl and summary.json")
    parser.add_argument("--cores", default="", help="comma-separated cores to run (default: every core built)")
    parser.add_argument("--config", default="", help="config JSON file (default: config/default.json)")
    parser.add_argument("--until-ms", type=int, default=None,
                        help="keep firing timers until this epoch ms after the last input")
    parser.add_argument("--drain-seconds", type=int, default=900,
                        help="without --until-ms, fire timers this long past the last input (default 900)")


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
    (directory / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return summary


def run(args: argparse.Namespace) -> int:
    if not args.events:
        print("replay needs an input: --events FILE.jsonl", file=sys.stderr)
        return 2
    config = load_active(None, args.config)
    inputs = in_time_order(read_events_jsonl(args.events))
    cores = make_cores([c for c in args.cores.split(",") if c], config)
    until = args.until_ms
    if until is None and inputs:
        until = inputs[-1].ts + args.drain_seconds * 1000
    driver = ReplayDriver(cores)
    summary = write_outputs(args.out, driver.run(inputs, until=until), {
        "inputs": len(inputs), "cores": [c.name for c in cores], "config_version": config.version,
        "source": args.events,
    })
    print(orjson.dumps(summary).decode())
    return 0
