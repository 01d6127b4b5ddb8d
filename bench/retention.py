"""`liqfade bench retention`: 30 simulated days of BTCUSDT + ETHUSDT through the projector, pruning as it goes.

Two scratch databases on the configured PostgreSQL server receive the same entries in the same batches
(500, the projector's batch): one on today's schema (tiers, day partitions, the retention prune once a
simulated day), one on the schema before it (migrations 001–003: one table, every row whole with its jsonb
copy and seven indexes, nothing ever deleted), written the way the projector wrote it then (`FLAT`).
Time is compressed and the rates are a fraction of live (`--fraction`, default 1 %), so it runs in minutes on
two cores; sizes are also reported scaled to live rates (÷ fraction), which the JSON says.

Sizes are the user tables (the events tree with indexes and TOAST, the read models, the counters), read at
the end of each simulated day, before the next day's prune: the largest the database gets that day (eight
days of window data: the seven whole days kept, and today).
Targets (issue 20): size at day 30 within 15 % of size at day 15; at most 15 % of the unpruned size;
projector rows/s with partitions at least 90 % of the old schema's. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.scratch import scratch_database
from bench.traffic import START_DAY, day_entries
from projector.families import HEARTBEAT_TYPES, family_of
from projector.messages import DecodedMessage
from projector.migrate import MIGRATIONS_DIR, apply_migrations
from projector.partitions import DAY_MS
from projector.prune import prune
from projector.store import EventLayout, undecoded_row, whole_row, write_batch
from runtime.settings import get_settings

BATCH = 500
WINDOW_DAYS = 7
OLD_MIGRATIONS = ("001", "002", "003")  # the schema before partitioning

# The statement and rows of the projector before issue 20, kept here as the baseline it is measured against.
FLAT_INSERT = (
    "INSERT INTO events (stream, stream_id, id, type, v, ts, ts_ms, recv_ts, correlation_id, causation_id,"
    " source, payload, raw, decoded, skip_reason)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (stream, stream_id) DO NOTHING"
)
FLAT = EventLayout(
    row=lambda e: (FLAT_INSERT, whole_row(e, e.envelope) if e.envelope is not None else undecoded_row(e)),
    prepare=lambda _conn, _entries: None,
)
USER_BYTES = ("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
              " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench retention", description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--fraction", type=float, default=0.01, help="of the live rates (0 < f <= 1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(list(argv))
    if not 0 < args.fraction <= 1 or args.days < 2:
        parser.error("--fraction must be in (0, 1] and --days at least 2")
    url = get_settings().database_url
    with scratch_database(url, "liqfade_bench_tiered") as tiered, scratch_database(url, "liqfade_bench_flat") as flat:
        result = _run(tiered, flat, args.days, args.fraction, args.seed)
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


def _run(tiered_url: str, flat_url: str, days: int, fraction: float, seed: int) -> dict[str, Any]:
    with psycopg.connect(tiered_url, autocommit=True) as tiered, psycopg.connect(flat_url, autocommit=True) as flat:
        apply_migrations(tiered)
        _old_schema(flat)
        seconds = {"partitioned": 0.0, "unpartitioned": 0.0}
        rows_written = 0
        by_family: Counter[str] = Counter()
        sizes: list[int] = []
        prune_s: list[float] = []
        after_prune = 0
        for day in range(1, days + 1):
            entries = day_entries(day, fraction, seed)
            rows_written += len(entries)
            by_family.update(family_of(e.envelope) for e in entries)
            for start in range(0, len(entries), BATCH):
                batch = entries[start:start + BATCH]
                seconds["partitioned"] += _timed(tiered, batch, None)
                seconds["unpartitioned"] += _timed(flat, batch, FLAT)
            sizes.append(_user_bytes(tiered))
            next_midnight = (START_DAY + day) * DAY_MS
            started = time.perf_counter()
            prune(tiered, next_midnight + 60_000, WINDOW_DAYS)
            prune_s.append(time.perf_counter() - started)
            after_prune = _user_bytes(tiered)
        stored: dict[str, int] = dict(tiered.execute("SELECT tier, count(*) FROM events GROUP BY tier").fetchall())
        beats = tiered.execute("SELECT count(*) FROM events WHERE tier = 'kept' AND type = ANY(%s)",
                               (list(HEARTBEAT_TYPES),)).fetchone()
        unpruned = _user_bytes(flat)
    half = days // 2
    scale = 1 / fraction
    return {
        "days": days,
        "bytes_unpruned": unpruned,
        "bytes_pruned": sizes[-1],
        "bytes_pruned_day15": sizes[half - 1],
        "rows_by_family": dict(sorted(by_family.items())),
        "prune_s": round(sum(prune_s), 3),
        "projector_rows_per_s": {name: round(rows_written / s) for name, s in seconds.items()},
        "prune_s_max": round(max(prune_s), 3),
        "rows_stored_by_tier": stored,
        # one an hour per sender whatever the rate: at 1 % of live nearly every heartbeat is its hour's first,
        # so this bench keeps ~100× more of them, relative to the rest, than live does (its sizes err high)
        "heartbeats_kept_for_good": beats[0] if beats else 0,
        "bytes_pruned_after_last_prune": after_prune,  # 7 whole days: what the next day starts from
        "bytes_pruned_by_day": sizes,
        "window_days": WINDOW_DAYS,
        "fraction_of_live": fraction,
        "scaled_to_live": {"note": "bytes ÷ fraction: what the same days would take at the live rates",
                           "bytes_unpruned": round(unpruned * scale), "bytes_pruned": round(sizes[-1] * scale),
                           "bytes_pruned_day15": round(sizes[half - 1] * scale)},
        "pruned_vs_unpruned": round(sizes[-1] / unpruned, 4),
        "day30_vs_day15": round(sizes[-1] / sizes[half - 1], 4),
        "rows_per_s_ratio": round(seconds["unpartitioned"] / seconds["partitioned"], 4),
        "meets_targets": {
            "flat_after_window": sizes[-1] <= 1.15 * sizes[half - 1],
            "at_most_15pct_of_unpruned": sizes[-1] <= 0.15 * unpruned,
            "rows_per_s_at_least_90pct": seconds["partitioned"] <= seconds["unpartitioned"] / 0.9,
        },
    }


def _old_schema(conn: psycopg.Connection[Any]) -> None:
    """Migrations 001–003 only: the schema this work replaced."""
    folder = Path(tempfile.mkdtemp(prefix="liqfade-old-schema-"))
    try:
        for path in MIGRATIONS_DIR.glob("*.sql"):
            if path.name.split("_", 1)[0] in OLD_MIGRATIONS:
                shutil.copy(path, folder / path.name)
        apply_migrations(conn, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _timed(conn: psycopg.Connection[Any], batch: list[DecodedMessage], layout: EventLayout | None) -> float:
    started = time.perf_counter()
    write_batch(conn, batch, layout)
    return time.perf_counter() - started


def _user_bytes(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute(USER_BYTES).fetchone()
    return int(row[0]) if row else 0
