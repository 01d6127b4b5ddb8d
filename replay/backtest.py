"""`liqfade replay` over files: cores in virtual time over a JSONL export and/or the market CSVs, and what
they decide written to events.jsonl and summary.json."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from replay.cores import make_cores
from replay.drivers import ReplayDriver
from replay.output import with_outcomes, write_outputs
from replay.sources.jsonl import in_time_order, read_events_jsonl
from replay.sources.market_csv import csv_inputs
from runtime.config_store import load_active
from schemas.envelope import Envelope


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    out: str | None
    events: str | None  # a JSONL of envelopes
    liquidations: str | None  # a forceOrder CSV
    klines: tuple[str, ...]  # 1m kline CSVs
    spread_bps: Decimal  # of the book synthesised from the klines
    config: str  # a config file, or "": config/default.json
    cores: tuple[str, ...]  # none: every core built
    until_ms: int | None
    drain_seconds: int


def run(request: BacktestRequest) -> int:
    if not request.out:
        print("replay needs --out DIR", file=sys.stderr)
        return 2
    if not request.events and not request.liquidations and not request.klines:
        print("replay needs an input: --events FILE.jsonl and/or --liquidations/--klines CSV",
              file=sys.stderr)
        return 2
    config = load_active(None, request.config)
    recorded: list[Envelope] = []
    if request.events:
        recorded, skipped = read_events_jsonl(request.events)
        if skipped:
            print(f"skipped input lines: {dict(skipped)}", file=sys.stderr)
    from_csv, csv_info = csv_inputs(request.liquidations, request.klines, request.spread_bps) \
        if (request.liquidations or request.klines) else ([], {})
    inputs = in_time_order([*recorded, *from_csv])
    cores = make_cores(request.cores, config)
    until = request.until_ms
    if until is None and inputs:
        until = inputs[-1].ts + request.drain_seconds * 1000
    driver = ReplayDriver(cores)
    extra: dict[str, Any] = {
        "inputs": len(inputs), "cores": [c.name for c in cores], "config_version": config.version,
        "source": request.events or None, **csv_info,
    }
    summary = write_outputs(request.out, with_outcomes(driver.run(inputs, until=until), extra), extra)
    print(orjson.dumps(summary).decode())
    return 0
