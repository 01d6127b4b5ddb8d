"""Read models of the trading path: trades, positions, market_events (one row per setup), bot_config."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from projector.messages import DecodedMessage, at
from schemas.commands import ConfigPublished
from schemas.envelope import Envelope
from schemas.positions import PositionClosed, PositionOpened
from schemas.risk import EntryApproved, SignalVetoed
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected

Cur = Cursor[Any]


def trade_closed(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, PositionClosed)
    cur.execute(
        'INSERT INTO trades (event_id, setup_id, "timestamp", symbol, side, entry, exit, pnl_usdt, pnl_pct,'
        " duration, fees, slippage_est, reason, qty, opened_at, funding, fees_by_asset)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (env.id, p.setup_id, at(p.closed_ts), p.symbol, p.side, p.entry_price, p.exit_price, p.pnl_usdt,
         p.pnl_pct, timedelta(milliseconds=p.duration_ms), p.fees_usdt, p.slippage_bps, p.reason.value, p.qty,
         at(p.opened_ts), p.funding_usdt, Jsonb({asset: str(fee) for asset, fee in p.fees_by_asset.items()})),
    )
    cur.execute(
        "INSERT INTO positions (setup_id, symbol, side, status, qty, entry_price, opened_at, closed_at,"
        " exit_price, pnl_usdt, exit_reason, updated_at)"
        " VALUES (%(setup)s, %(symbol)s, %(side)s, 'CLOSED', %(qty)s, %(entry)s, %(opened)s, %(closed)s,"
        " %(exit)s, %(pnl)s, %(reason)s, %(closed)s)"
        " ON CONFLICT (setup_id) DO UPDATE SET status = 'CLOSED', closed_at = EXCLUDED.closed_at,"
        " exit_price = EXCLUDED.exit_price, pnl_usdt = EXCLUDED.pnl_usdt, exit_reason = EXCLUDED.exit_reason,"
        " entry_price = COALESCE(positions.entry_price, EXCLUDED.entry_price),"
        " updated_at = EXCLUDED.updated_at",
        {"setup": p.setup_id, "symbol": p.symbol, "side": p.side, "qty": p.qty, "entry": p.entry_price,
         "opened": at(p.opened_ts), "closed": at(p.closed_ts), "exit": p.exit_price, "pnl": p.pnl_usdt,
         "reason": p.reason.value},
    )


def position_opened(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, PositionOpened)
    # A close seen first (never on one stream, but cheap to guard) keeps the row CLOSED.
    cur.execute(
        "INSERT INTO positions (setup_id, symbol, side, status, qty, entry_price, stop_price,"
        " take_profit_price, opened_at, time_stop_at, updated_at)"
        " VALUES (%s, %s, %s, 'OPEN', %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (setup_id) DO UPDATE SET qty = EXCLUDED.qty, entry_price = EXCLUDED.entry_price,"
        " stop_price = EXCLUDED.stop_price, take_profit_price = EXCLUDED.take_profit_price,"
        " opened_at = EXCLUDED.opened_at, time_stop_at = EXCLUDED.time_stop_at",
        (p.setup_id, p.symbol, p.side, p.qty, p.entry_price, p.stop_price, p.take_profit_price,
         at(p.opened_ts), at(p.time_stop_ts), at(env.ts)),
    )


# market_events: each event sets only its own columns, so the fold does not depend on the order in
# which the `signals` and `intents` streams are read. `stage_rank` keeps the furthest stage reached.
_UPSERT_SETUP = (
    "INSERT INTO market_events (setup_id, ts, symbol, side, liq_usd, liq_count, threshold_usd, volume_mult,"
    " spread_bps, impulse_move_pct, stage, stage_rank, passed, reason, detail, measured, updated_at)"
    " VALUES (%(setup_id)s, %(ts)s, %(symbol)s, %(side)s, %(liq_usd)s, %(liq_count)s, %(threshold_usd)s,"
    " %(volume_mult)s, %(spread_bps)s, %(impulse)s, %(stage)s, %(rank)s, %(passed)s, %(reason)s, %(detail)s,"
    " %(measured)s, %(updated)s)"
    " ON CONFLICT (setup_id) DO UPDATE SET"
    " ts = CASE WHEN %(is_detection)s THEN EXCLUDED.ts ELSE market_events.ts END,"
    " liq_usd = COALESCE(EXCLUDED.liq_usd, market_events.liq_usd),"
    " liq_count = COALESCE(EXCLUDED.liq_count, market_events.liq_count),"
    " threshold_usd = COALESCE(EXCLUDED.threshold_usd, market_events.threshold_usd),"
    " volume_mult = COALESCE(EXCLUDED.volume_mult, market_events.volume_mult),"
    " spread_bps = COALESCE(EXCLUDED.spread_bps, market_events.spread_bps),"
    " impulse_move_pct = COALESCE(EXCLUDED.impulse_move_pct, market_events.impulse_move_pct),"
    " stage = CASE WHEN EXCLUDED.stage_rank >= market_events.stage_rank THEN EXCLUDED.stage"
    "   ELSE market_events.stage END,"
    " stage_rank = GREATEST(EXCLUDED.stage_rank, market_events.stage_rank),"
    " passed = COALESCE(EXCLUDED.passed, market_events.passed),"
    " reason = COALESCE(EXCLUDED.reason, market_events.reason),"
    " detail = COALESCE(EXCLUDED.detail, market_events.detail),"
    " measured = COALESCE(EXCLUDED.measured, market_events.measured),"
    " updated_at = GREATEST(EXCLUDED.updated_at, market_events.updated_at)"
)

_RANK = {"detected": 0, "confirmed": 1, "rejected": 2, "vetoed": 2, "approved": 2}


def setup_event(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    p = env.payload
    assert isinstance(p, SetupDetected | SetupConfirmed | SetupRejected | SignalVetoed | EntryApproved)
    row: dict[str, Any] = {
        "setup_id": p.setup_id, "ts": at(env.ts), "symbol": p.symbol, "side": p.side, "liq_usd": None,
        "liq_count": None, "threshold_usd": None, "volume_mult": None, "spread_bps": None, "impulse": None,
        "passed": None, "reason": None, "detail": None, "measured": None, "updated": at(env.ts),
        "is_detection": False,
    }
    if isinstance(p, SetupDetected):
        stage = "detected"
        row.update(ts=at(p.trigger_ts), liq_usd=p.liq_usd, liq_count=p.liq_count,
                   threshold_usd=p.threshold_usd, is_detection=True)
    elif isinstance(p, SetupConfirmed):
        stage = "confirmed"
        row.update(liq_usd=p.liq_usd, volume_mult=p.volume_mult, spread_bps=p.spread_bps,
                   impulse=p.impulse_move_pct)
    elif isinstance(p, SetupRejected):
        stage = "rejected"
        row.update(liq_usd=p.liq_usd, passed=False, reason=p.reason.value, detail=p.detail,
                   measured=Jsonb(p.measured), volume_mult=_measured_float(p.measured, "volume_mult"),
                   spread_bps=_measured_float(p.measured, "spread_bps"))
    elif isinstance(p, SignalVetoed):
        stage = "vetoed"
        row.update(passed=False, reason=p.reason.value, detail=p.detail)
    else:
        stage = "approved"
        row.update(passed=True)
    row.update(stage=stage, rank=_RANK[stage])
    cur.execute(_UPSERT_SETUP, row)


def _measured_float(measured: dict[str, str], key: str) -> float | None:
    try:
        return float(measured[key]) if key in measured else None
    except ValueError:
        return None


def config_published(cur: Cur, env: Envelope, message: DecodedMessage) -> None:
    """The API stores its versions itself; this keeps versions published by anyone else, and marks the
    newest version active (publish and rollback always create the highest version)."""
    p = env.payload
    assert isinstance(p, ConfigPublished)
    cur.execute(
        "INSERT INTO bot_config (version, config, author, created_at, note) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (version) DO NOTHING",
        (p.version, Jsonb(p.config.model_dump(mode="json")), p.actor, at(env.ts), p.note),
    )
    cur.execute("UPDATE bot_config SET active = false"
                " WHERE active AND version <> (SELECT max(version) FROM bot_config)")
    cur.execute("UPDATE bot_config SET active = true WHERE version = (SELECT max(version) FROM bot_config)"
                " AND NOT active")
