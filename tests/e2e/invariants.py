"""Invariants checked at the end of every scenario and drill, from the streams, PostgreSQL and (live) the
exchange's own record. Each returns a list of violations (empty = holds), so a test reports all at once.
"""

from __future__ import annotations

import contextlib
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
    # a fill by an order that is not ours (a liquidation, ADL, a manual close) belongs to the trade open in its
    # symbol when it happened, and only if the executor booked it (ExternalFill with that exchange trade id)
    external = {e["payload"]["trade_id"] for e in h.stream_events("executions", "ExternalFill")}
    closes = [e["payload"] for e in h.stream_events("executions", "PositionClosed")]
    problems = []
    seen: Counter[tuple[str, object]] = Counter((f["cid"], f["trade_id"]) for f in fills)
    problems += [f"fill {k} reported {n} times" for k, n in seen.items() if n > 1]
    entry: dict[str, Decimal] = defaultdict(Decimal)
    exit_: dict[str, Decimal] = defaultdict(Decimal)
    for f in fills:
        order = submitted.get(f["cid"])
        if order is None or order.get("setup_id") is None:
            owner = next((c["setup_id"] for c in closes if c["symbol"] == f.get("symbol")
                          and int(c["opened_ts"]) - 1000 <= f.get("time", 0) <= int(c["closed_ts"]) + 1000), None)
            if owner is None or f["trade_id"] not in external:
                problems.append(f"fill of unknown client id {f['cid']} (trade {f['trade_id']}) not booked on a trade")
                continue
            exit_[owner] += f["qty"]
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
    # a trade adopted again after a restart (TradeAdopted) announces its position once more: one per setup
    opens = list({e["payload"]["setup_id"]: e["payload"]
                  for e in reversed(h.stream_events("executions", "PositionOpened"))}.values())
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
    problems += loss_streak_held(h, closes, opens)
    events = sorted([(o["opened_ts"], 1) for o in opens if "opened_ts" in o] +
                    [(c["closed_ts"], -1) for c in closes])
    level = 0
    for _ts, d in events:
        level += d
        if level > 1:
            problems.append("two positions open at once")
            break
    return problems


def loss_streak_held(h: Harness, closes: list[dict[str, Any]], opens: list[dict[str, Any]]) -> list[str]:
    """No entry while the pause after `max_consecutive_losses` losses in a row runs."""
    risk = h.config.risk
    streak, pauses = 0, []
    for c in sorted(closes, key=lambda c: int(c["closed_ts"])):
        streak = streak + 1 if Decimal(c["pnl_usdt"]) < 0 else 0
        if streak >= risk.max_consecutive_losses:
            start = int(c["closed_ts"])
            pauses.append((start, start + risk.pause_after_consecutive_losses_minutes * 60_000))
            streak = 0
    return [f"position {o['setup_id']} opened during a loss-streak pause"
            for o in opens for start, end in pauses if start <= int(o["opened_ts"]) < end]


def end_state(h: Harness, status: str | None) -> list[str]:
    """The bot ends as the scenario expects: the status in /api/state (when given) and no open position."""
    problems = []
    state = h.bot_state()
    if status is not None and state["status"] != status:
        problems.append(f"bot status {state['status']} ({state['status_cause']}), expected {status}")
    if state["open_positions"]:
        problems.append(f"open positions at the end: {[p['setup_id'] for p in state['open_positions']]}")
    return problems


def unprotected_spans(rec: ExchangeRecorder) -> list[tuple[str, int, int | None]]:
    """(symbol, from, to) in exchange ms while a position was open at the exchange with no working stop
    on the closing side (STOP_MARKET algo NEW, or triggering); `to` None: still so at the end."""
    amount: dict[str, Decimal] = {}
    stops: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # symbol → client algo id → (side, status)
    since: dict[str, int] = {}
    spans: list[tuple[str, int, int | None]] = []
    for e in rec.events:
        if e.get("e") == "ACCOUNT_UPDATE":
            for p in e["a"]["P"]:
                amount[p["s"]] = Decimal(p["pa"])
        elif e.get("e") == "ALGO_UPDATE" and e["o"]["o"] == "STOP_MARKET":
            o = e["o"]
            stops[o["s"]][o["caid"]] = (o["S"], o["X"])
        else:
            continue
        for symbol, amt in amount.items():
            closing = "SELL" if amt > 0 else "BUY"
            covered = amt == 0 or any(side == closing and status in ("NEW", "TRIGGERING", "TRIGGERED")
                                      for side, status in stops[symbol].values())
            if not covered and symbol not in since:
                since[symbol] = int(e["E"])
            elif covered and symbol in since:
                spans.append((symbol, since.pop(symbol), int(e["E"])))
    spans += [(symbol, start, None) for symbol, start in since.items()]
    return spans


def stops_held(rec: ExchangeRecorder, max_ms: int = 1000) -> list[str]:
    """No position without an exchange-side stop for more than `max_ms`."""
    return [f"{sym} position without a stop at the exchange from {start} for "
            + (f"{end - start} ms" if end is not None else "the rest of the session")
            for sym, start, end in unprotected_spans(rec) if end is None or end - start > max_ms]


def exchange_flat(rec: ExchangeRecorder) -> list[str]:
    """At the end: no position and no working order or algo order at the exchange."""
    amount: dict[str, Decimal] = {}
    orders: dict[str, str] = {}
    algos: dict[str, str] = {}
    for e in rec.events:
        if e.get("e") == "ACCOUNT_UPDATE":
            amount.update({p["s"]: Decimal(p["pa"]) for p in e["a"]["P"]})
        elif e.get("e") == "ORDER_TRADE_UPDATE":
            orders[e["o"]["c"]] = e["o"]["X"]
        elif e.get("e") == "ALGO_UPDATE":
            algos[e["o"]["caid"]] = e["o"]["X"]
    problems = [f"{sym} position {amt} left at the exchange" for sym, amt in amount.items() if amt != 0]
    problems += [f"order {cid} left {st} at the exchange" for cid, st in orders.items()
                 if st in ("NEW", "PARTIALLY_FILLED")]
    problems += [f"algo order {cid} left {st} at the exchange" for cid, st in algos.items() if st == "NEW"]
    return problems


def exchange_clean(rec: ExchangeRecorder) -> list[str]:
    """No duplicate order: every client id (orders and algo orders) accepted as NEW at most once."""
    dupes = [cid for cid, n in rec.new_client_ids().items() if n > 1]
    algos = Counter(e["o"]["caid"] for e in rec.events if e.get("e") == "ALGO_UPDATE" and e["o"]["X"] == "NEW")
    dupes += [cid for cid, n in algos.items() if n > 1]
    return [f"client order id accepted twice at the exchange: {c}" for c in dupes]


def no_trade_without_position(h: Harness, rec: ExchangeRecorder) -> list[str]:
    """At the end: every trade still open in PostgreSQL has its position at the exchange."""
    held = rec.positions()
    return [f"trade {r['setup_id']} open in PostgreSQL but {r['symbol']} is flat at the exchange"
            for r in h.sql("SELECT setup_id, symbol FROM positions WHERE status = 'OPEN'")
            if held.get(r["symbol"], Decimal(0)) == 0]


def check_all(h: Harness, recorder: ExchangeRecorder | None = None, *, status: str | None = None) -> list[str]:
    """The end state (status: the one expected in /api/state), then quiesce the system and check every
    invariant. Call once, at the end of a scenario."""
    problems = end_state(h, status) if "api" in h.procs and h.procs["api"].poll() is None else []
    if recorder is not None and recorder._thread is not None and recorder._thread.is_alive():
        # the executor cancels what is left (the other exit) after the close: give it a moment
        with contextlib.suppress(AssertionError):
            h.wait_for(lambda: not exchange_flat(recorder), 20, "nothing left working at the exchange")
    upto = quiesce(h)
    problems += streams_match_events(h, upto) + trades_match_closes(h) + risk_limits_held(h)
    if recorder is not None:
        problems += exchange_clean(recorder) + fills_match_trades(h, recorder.fills())
        problems += stops_held(recorder) + exchange_flat(recorder) + no_trade_without_position(h, recorder)
    else:
        problems += fills_match_trades(h, paper_fills(h))
    return problems


def assert_all_hold(h: Harness, recorder: ExchangeRecorder, status: str = "RUNNING") -> None:
    """check_all for a live session, printed and asserted."""
    problems = check_all(h, recorder, status=status)
    print(f"recorder: {len(recorder.events)} account events, gaps {[round(b - a, 3) for a, b in recorder.gaps]}")
    print("\n".join(["invariants:", *problems]) if problems else "invariants: all hold")
    assert not problems, "\n".join(problems)

