"""The governor's state (frozen dataclasses) and its snapshot: orjson of a plain dict, Decimals as strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

from schemas.config import BotConfig
from schemas.orders import SymbolFilters
from schemas.risk import Heartbeat
from schemas.types import BotStatus, PositionSide, Symbol

Stage = Literal["pending", "open"]
LimitName = Literal["daily_loss", "max_trades", "consecutive_losses"]
SEEN_KEYS_MAX = 1000  # command idempotency keys remembered
SEEN_SETUPS_MAX = 1000  # setup ids already decided
SNAPSHOT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry that counts against the position limits: approved and in flight ("pending") or "open"."""

    setup_id: str
    symbol: Symbol
    side: PositionSide
    stage: Stage = "pending"
    use_market: bool = True  # a LIMIT cancelled unfilled is followed by a MARKET for the remainder
    live_orders: tuple[tuple[str, str], ...] = ()  # (client_order_id, order_type) of entry orders not final
    filled: bool = False  # some quantity filled: only PositionClosed can end it now
    flattening: bool = False  # a flatten was ordered: the next terminal entry order ends it


@dataclass(frozen=True, slots=True)
class GovState:
    config: BotConfig
    status: BotStatus = BotStatus.BOOTING
    status_cause: str = "started"
    boot_ok: bool = False
    venue: str = ""  # "paper" | "live", from the executor's boot: config.mode must say the same
    filters: dict[str, SymbolFilters] = field(default_factory=dict)
    equity: Decimal | None = None
    equity_from_venue: bool = False  # once the venue reports equity, only the venue moves it
    day: str = ""  # ISO date in config.day_boundary_tz; "" until the first event
    next_day_ms: int | None = None
    day_start_equity: Decimal | None = None
    daily_pnl: Decimal = Decimal(0)
    daily_peak_pnl: Decimal = Decimal(0)
    daily_max_drawdown: Decimal = Decimal(0)
    trades_today: int = 0
    consecutive_losses: int = 0
    loss_pause_until: int | None = None
    daily_loss_latched: bool = False  # the daily loss limit was reached: holds until the next day starts
    limits_holding: tuple[LimitName, ...] = ()
    entries: dict[str, Entry] = field(default_factory=dict)
    cooldown_until: dict[str, int] = field(default_factory=dict)
    stale_feeds: tuple[str, ...] = ()  # "<symbol>/<kind>"
    seen_keys: tuple[str, ...] = ()
    seen_setups: tuple[str, ...] = ()
    next_heartbeat_ms: int | None = None
    last_heartbeat: Heartbeat | None = None
    resume_status: BotStatus | None = None  # the status to return to after a SHUTDOWN


def initial_state(config: BotConfig) -> GovState:
    paper = config.mode == "paper"
    return GovState(config=config, equity=config.paper.starting_equity_usdt if paper else None)


def remember(seen: tuple[str, ...], key: str, limit: int) -> tuple[str, ...]:
    return (*seen, key)[-limit:]


# --- snapshot ------------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def to_dict(state: GovState) -> dict[str, Any]:
    return {
        "v": SNAPSHOT_VERSION,
        "config": orjson.loads(state.config.model_dump_json()),
        "status": state.status.value,
        "status_cause": state.status_cause,
        "boot_ok": state.boot_ok,
        "venue": state.venue,
        "filters": [f.model_dump(mode="json") for _, f in sorted(state.filters.items())],
        "equity": _dec(state.equity),
        "equity_from_venue": state.equity_from_venue,
        "day": state.day,
        "next_day_ms": state.next_day_ms,
        "day_start_equity": _dec(state.day_start_equity),
        "daily_pnl": str(state.daily_pnl),
        "daily_peak_pnl": str(state.daily_peak_pnl),
        "daily_max_drawdown": str(state.daily_max_drawdown),
        "trades_today": state.trades_today,
        "consecutive_losses": state.consecutive_losses,
        "loss_pause_until": state.loss_pause_until,
        "daily_loss_latched": state.daily_loss_latched,
        "limits_holding": list(state.limits_holding),
        "entries": [
            {"setup_id": e.setup_id, "symbol": e.symbol, "side": e.side, "stage": e.stage,
             "use_market": e.use_market, "live_orders": [list(o) for o in e.live_orders],
             "filled": e.filled, "flattening": e.flattening}
            for _, e in sorted(state.entries.items())
        ],
        "cooldown_until": dict(sorted(state.cooldown_until.items())),
        "stale_feeds": list(state.stale_feeds),
        "seen_keys": list(state.seen_keys),
        "seen_setups": list(state.seen_setups),
        "next_heartbeat_ms": state.next_heartbeat_ms,
        "last_heartbeat": state.last_heartbeat.model_dump(mode="json") if state.last_heartbeat else None,
        "resume_status": None if state.resume_status is None else state.resume_status.value,
    }


def from_dict(data: dict[str, Any]) -> GovState:
    if data.get("v") != SNAPSHOT_VERSION:
        raise ValueError(f"governor snapshot version {data.get('v')!r} is not {SNAPSHOT_VERSION}")
    filters = [SymbolFilters.model_validate(f) for f in data["filters"]]
    entries = [
        Entry(setup_id=e["setup_id"], symbol=e["symbol"], side=e["side"], stage=e["stage"],
              use_market=e["use_market"], live_orders=tuple((o[0], o[1]) for o in e["live_orders"]),
              filled=e["filled"], flattening=e["flattening"])
        for e in data["entries"]
    ]
    heartbeat = data["last_heartbeat"]
    return GovState(
        config=BotConfig.model_validate_json(orjson.dumps(data["config"])),
        status=BotStatus(data["status"]),
        status_cause=data["status_cause"],
        boot_ok=data["boot_ok"],
        venue=data.get("venue", ""),
        filters={f.symbol: f for f in filters},
        equity=_undec(data["equity"]),
        equity_from_venue=data["equity_from_venue"],
        day=data["day"],
        next_day_ms=data["next_day_ms"],
        day_start_equity=_undec(data["day_start_equity"]),
        daily_pnl=Decimal(data["daily_pnl"]),
        daily_peak_pnl=Decimal(data["daily_peak_pnl"]),
        daily_max_drawdown=Decimal(data["daily_max_drawdown"]),
        trades_today=data["trades_today"],
        consecutive_losses=data["consecutive_losses"],
        loss_pause_until=data["loss_pause_until"],
        daily_loss_latched=data["daily_loss_latched"],
        limits_holding=tuple(data["limits_holding"]),
        entries={e.setup_id: e for e in entries},
        cooldown_until=dict(data["cooldown_until"]),
        stale_feeds=tuple(data["stale_feeds"]),
        seen_keys=tuple(data["seen_keys"]),
        seen_setups=tuple(data["seen_setups"]),
        next_heartbeat_ms=data["next_heartbeat_ms"],
        last_heartbeat=None if heartbeat is None else Heartbeat.model_validate(heartbeat),
        resume_status=None if data["resume_status"] is None else BotStatus(data["resume_status"]),
    )


def snapshot(state: GovState) -> bytes:
    return orjson.dumps(to_dict(state))


def restore(raw: bytes) -> GovState:
    loaded: dict[str, Any] = orjson.loads(raw)
    return from_dict(loaded)
