"""Process options of ingest that are not part of the bot config (which comes from the config store)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IngestOptions:
    book_conflate_ms: int = 100
    backoff_base_ms: int = 500
    backoff_cap_ms: int = 30_000
    stable_after_s: float = 30.0  # a connection that lived this long resets the backoff
    idle_reconnect_s: float = 60.0  # no frame at all on a connection this long → reconnect
    open_timeout_s: float = 10.0
    ping_interval_s: float = 20.0  # client pings; a dead TCP path is noticed within twice this
    rest_timeout_s: float = 10.0
    heartbeat_ms: int = 5_000
    command_poll_ms: int = 200
    trim_every_ms: int = 30_000
    retention_ms: int = 7 * 86_400_000
    stats_every_ms: int = 60_000
    record: Path | None = None


def parse_options(argv: Sequence[str]) -> IngestOptions:
    d = IngestOptions()
    parser = argparse.ArgumentParser(prog="liqfade run ingest", description="market-data ingest")
    parser.add_argument("--record", type=Path, help="append every raw frame (with receive time) to this "
                        "JSONL file, in the simulator's recording format")
    parser.add_argument("--book-conflate-ms", type=int, default=d.book_conflate_ms,
                        help="at most one book ticker per symbol per this many ms (0 = every update)")
    parser.add_argument("--backoff-base-ms", type=int, default=d.backoff_base_ms)
    parser.add_argument("--backoff-cap-ms", type=int, default=d.backoff_cap_ms)
    parser.add_argument("--stable-after-s", type=float, default=d.stable_after_s)
    parser.add_argument("--idle-reconnect-s", type=float, default=d.idle_reconnect_s)
    args = parser.parse_args(list(argv))
    return IngestOptions(book_conflate_ms=args.book_conflate_ms, backoff_base_ms=args.backoff_base_ms,
                         backoff_cap_ms=args.backoff_cap_ms, stable_after_s=args.stable_after_s,
                         idle_reconnect_s=args.idle_reconnect_s, record=args.record)
