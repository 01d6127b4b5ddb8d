"""Invariants checked at the end of every scenario and drill, from the streams, PostgreSQL and (live) the
exchange's own record. Each returns a list of violations (empty = holds), so a test reports all at once.
"""

from __future__ import annotations

import signal
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from schemas.streams import ALL_STREAMS, GROUP_PROJECTOR
from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.harness import Harness, xrange


def _sid(stream_id: str | bytes) -> tuple[int, int]:
    text = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def quiesce(h: Harness) -> dict[str, tuple[int, int]]:
    """Stop every producer but the projector (SIGTERM, as a deploy does), then wait until the projector has
    consumed every stream up to its last entry. Returns the last stream id per stream at that point."""
    for name, proc in h.procs.items():
        if name not in ("projector", "simulator") and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in h.procs.items():
        if name not in ("projector", "simulator"):
            proc.wait(timeout=30)
    h._expected_down = frozenset(n for n in h.procs if n not in ("projector", "simulator"))
    r = h.redis
    last = {s: _sid(r.xinfo_stream(s)["last-generated-id"]) for s in ALL_STREAMS if r.exists(s)}

    def consumed() -> bool:
        for stream, upto in last.items():
            group = next((g for g in r.xinfo_groups(stream) if g["name"] == GROUP_PROJECTOR.encode()), None)
            if group is None or _sid(group["last-delivered-id"]) < upto or group["pending"]:
                return False
        return True

    h.wait_for(consumed, 60, "the projector consumed every stream")
    return last


def streams_match_events(h: Harness, upto: dict[str, tuple[int, int]]) -> list[str]:
    """Every stream entry (up to `upto`) is exactly once in `events`, byte for byte; nothing else is."""
    problems = []
    rows = h.sql("SELECT stream, stream_id, raw FROM events")
    by_stream: dict[str, Counter[str]] = defaultdict(Counter)
    raw_of: dict[tuple[str, str], str] = {}
    for row in rows:
        by_stream[row["stream"]][row["stream_id"]] += 1
        raw_of[(row["stream"], row["stream_id"])] = row["raw"]
    for stream in ALL_STREAMS:
        entries = xrange(h.redis, stream) if stream in upto else []
        on_stream = {eid: raw.decode() for eid, raw in entries if _sid(eid) <= upto[stream]}
        limit = upto.get(stream, (0, 0))
        projected = {sid: n for sid, n in by_stream.get(stream, Counter()).items() if _sid(sid) <= limit}
        missing = set(on_stream) - set(projected)
        extra = set(projected) - set(on_stream)
        dupes = [sid for sid, n in projected.items() if n > 1]
        differ = [sid for sid in set(on_stream) & set(projected) if raw_of[(stream, sid)] != on_stream[sid]]
        for label, ids in (("missing from events", missing), ("in events, not on the stream", extra),
                           ("duplicated in events", dupes), ("raw differs", differ)):
            if ids:
                problems.append(f"{stream}: {len(ids)} {label}, e.g. {sorted(ids)[:3]}")
    return problems


def trades_match_closes(h: Harness) -> list[str]:
    """Every PositionClosed is exactly one `trades` row (same setup, qty, prices); no other rows."""
    closes = {e["id"]: e["payload"] for e in h.stream_events("executions", "PositionClosed")}
    rows = {r["event_id"]: r for r in h.sql("SELECT * FROM trades")}
    problems = []
    if set(closes) != set(rows):
        problems.append(f"PositionClosed ids {sorted(closes)} != trades ids {sorted(rows)}")
    for eid, p in closes.items():
        row = rows.get(eid)
        if row is None:
            continue
        for col, key in (("qty", "qty"), ("entry", "entry_price"), ("exit", "exit_price"), ("pnl_usdt", "pnl_usdt")):
            if Decimal(str(row[col])) != Decimal(str(p[key])):
                problems.append(f"trade {eid}: {col} {row[col]} != {p[key]}")
    setups = Counter(p["setup_id"] for p in closes.values())
    problems += [f"setup {s} closed {n} times" for s, n in setups.items() if n > 1]
    return problems


def fills_match_trades(h: Harness, fills: list[dict[str, Any]]) -> list[str]:
    """Fills (the exchange's in live mode, the executor's OrderFilled in paper mode) add up to the trades:
    per setup, entry fills = exit fills = the trade's qty; every trade id at most once; no fill outside a
    trade except on an open position."""
    submitted = {e["payload"]["client_order_id"]: e["payload"] for e in h.stream_events("executions", "OrderSubmitted")}
    trades = {r["setup_id"]: r for r in h.sql("SELECT * FROM trades")}
    problems = []
    seen: Counter[tuple[str, object]] = Counter((f["cid"], f["trade_id"]) for f in fills)
    problems += [f"fill {k} reported {n} times" for k, n in seen.items() if n > 1]
    entry: dict[str, Decimal] = defaultdict(Decimal)
    exit_: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        order = submitted.get(f["cid"])
        if order is None or order.get("setup_id") is None:
            problems.append(f"fill of unknown client id {f['cid']}")
            continue
        (entry if order["purpose"] == "ENTRY" else exit_)[order["setup_id"]] += f["qty"]
    for setup, qty in entry.items():
        trade = trades.get(setup)
        if trade is None:
            problems.append(f"setup {setup} has {qty} entry fills but no trade")
            continue
        if qty != Decimal(str(trade["qty"])) or exit_[setup] != qty:
            problems.append(f"setup {setup}: entry fills {qty}, exit fills {exit_[setup]}, trade qty {trade['qty']}")
    problems += [f"trade {s} has no entry fill" for s in trades if s not in entry]
    return problems


def paper_fills(h: Harness) -> list[dict[str, Any]]:
    return [{"cid": p["client_order_id"], "trade_id": e["id"], "qty": Decimal(p["fill_qty"])}
            for e in h.stream_events("executions", "OrderFilled") for p in [e["payload"]]]


def risk_limits_held(h: Harness) -> list[str]:
    """No more trades per day than allowed, no more loss than allowed, no entry while not RUNNING, never
    two positions open at once."""
    cfg = h.config
    problems = []
    closes = [e["payload"] for e in h.stream_events("executions", "PositionClosed")]
    opens = [e["payload"] for e in h.stream_events("executions", "PositionOpened")]
    if len(opens) > cfg.risk.max_trades_per_day:
        problems.append(f"{len(opens)} positions opened, max_trades_per_day {cfg.risk.max_trades_per_day}")
    equity = cfg.paper.starting_equity_usdt
    loss = -sum((Decimal(c["pnl_usdt"]) for c in closes), Decimal(0))
    # one trade may cross the limit (it was allowed before it lost); the next entry must not happen
    pnl = Decimal(0)
    for i, c in enumerate(closes):
        pnl += Decimal(c["pnl_usdt"])
        if -pnl >= cfg.risk.daily_max_loss_pct * equity and i + 1 < len(opens):
            problems.append(f"an entry after the daily loss limit (loss {loss})")
            break
    events = sorted([(o["opened_ts"], 1) for o in opens if "opened_ts" in o] +
                    [(c["closed_ts"], -1) for c in closes])
    level = 0
    for _ts, d in events:
        level += d
        if level > 1:
            problems.append("two positions open at once")
            break
    return problems


def exchange_clean(rec: ExchangeRecorder) -> list[str]:
    dupes = [cid for cid, n in rec.new_client_ids().items() if n > 1]
    return [f"client order id accepted twice at the exchange: {c}" for c in dupes]


def check_all(h: Harness, recorder: ExchangeRecorder | None = None) -> list[str]:
    """Quiesce the system, then every invariant. Call once, at the end of a scenario."""
    upto = quiesce(h)
    problems = streams_match_events(h, upto) + trades_match_closes(h) + risk_limits_held(h)
    if recorder is not None:
        problems += exchange_clean(recorder) + fills_match_trades(h, recorder.fills())
    else:
        problems += fills_match_trades(h, paper_fills(h))
    return problems
