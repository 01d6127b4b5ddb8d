"""The strategy's state, the config-derived parameters it caches, and its snapshot to bytes.

The state is a tree of small mutable dataclasses that the core updates in place: the hot path (one
liquidation, one book ticker) must be plain arithmetic, and copying a frozen tree per event costs more
than the whole decision. `decide` therefore returns the object it was given (the replay driver and the
core consumer both keep only `decision.state`, so nothing else holds the old one). Handlers read and
convert their input before they mutate anything, so an event that fails leaves the state as it was, up
to the construction of an output payload. Everything in here is
bounded: a window holds at most one entry per liquidation snapshot (≤ 1/s per symbol and side), the
candle history `volume_lookback + 12` candles, and there is at most one pending setup per symbol.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

import orjson

from runtime.core import Decision
from schemas.config import BotConfig, active_symbols
from schemas.types import ALL_SYMBOLS, PositionSide, Symbol

MINUTE_MS = 60_000
# Exact USD sums: ap x z as Binance sends it has up to ~24 significant digits; 50 leaves room to spare,
# so the running sum never rounds and always equals the sum of its entries.
USD = Context(prec=50)


def tidy(value: Decimal) -> Decimal:
    """Drop the trailing zeros that evictions leave (152487.19590000 -> 152487.1959), never going to
    exponent notation. The value is unchanged."""
    normal = value.normalize(USD)
    return normal if normal.as_tuple().exponent <= 0 else normal.quantize(Decimal(1))  # type: ignore[operator]


# Candles kept beyond the volume lookback: the spike candle, the ones after it that arrived before a late
# liquidation, and the candle where a 600 s (maximum) liquidation window started.
CANDLE_SLACK = 12

# (open_time, open, high, low, close, volume) of a closed 1m candle
Candle = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal]


@dataclass(slots=True)
class Window:
    """Liquidations of one symbol and side inside (high_water - w, high_water], sorted by exchange time."""

    entries: deque[tuple[int, Decimal]] = field(default_factory=deque)
    total: Decimal = Decimal(0)
    high_water: int = -1  # the latest exchange time seen: the window's right edge
    armed: bool = True  # False after a crossing until the sum falls back below the threshold
    last_trigger: int = -1


@dataclass(slots=True)
class Book:
    ts: int  # exchange time of the book ticker
    bid: Decimal
    ask: Decimal


@dataclass(slots=True)
class Pending:
    """A detected setup waiting for its volume candle and exhaustion."""

    setup_id: str
    symbol: Symbol
    side: PositionSide
    liq_usd: Decimal
    trigger_ts: int
    window_start_ts: int
    candle_open: int  # open time of the spike candle (the 1m candle containing trigger_ts)
    volume: Decimal | None = None  # set once the volume check passed
    avg_volume: Decimal | None = None
    extreme: Decimal | None = None  # set once the spike candle closed
    ref_price: Decimal | None = None  # price at the start of the spike, for impulse_move_pct
    quiet: int = 0  # consecutive closed candles after the spike candle without a new extreme
    # |close - open| of the extreme candle and of the quiet ones after it
    bodies: list[Decimal] = field(default_factory=list)


@dataclass(slots=True)
class SymbolState:
    longs: Window = field(default_factory=Window)  # SELL liquidations → LONG setups
    shorts: Window = field(default_factory=Window)  # BUY liquidations → SHORT setups
    candles: deque[Candle] = field(default_factory=deque)
    book: Book | None = None
    last_close_ts: int | None = None  # closed_ts of the latest PositionClosed: the cooldown start
    stale: set[str] = field(default_factory=set)  # feed kinds (book, kline) reported stale
    pending: Pending | None = None
    # cached from the config
    threshold: Decimal | None = None  # None: no min_liq_usd for this symbol, no detection
    enabled: bool = False


@dataclass(slots=True)
class StrategyState:
    config: BotConfig
    symbols: dict[str, SymbolState]
    window_ms: int = 60_000
    deadline: int | None = None  # the earliest pending setup's expiry
    config_json: bytes = b"{}"
    # `Decision(state)` with no emits, built once: constructing a frozen dataclass per event is a
    # measurable share of the per-liquidation budget.
    idle: Decision[StrategyState] | None = None


def new_state(config: BotConfig) -> StrategyState:
    state = StrategyState(config=config, symbols={s: SymbolState() for s in ALL_SYMBOLS})
    apply_config(state, config)
    state.idle = Decision(state)
    return state


def apply_config(state: StrategyState, config: BotConfig) -> None:
    """Cache what the hot path needs from `config`. A changed threshold never creates a crossing."""
    signal = config.signal
    active = set(active_symbols(config))
    state.config = config
    state.config_json = config.model_dump_json().encode()
    state.window_ms = signal.liq_window_seconds * 1000
    keep = signal.volume_lookback + CANDLE_SLACK
    for name, sym in state.symbols.items():
        sym.threshold = signal.min_liq_usd.get(name)  # type: ignore[call-overload]
        sym.enabled = name in active
        if sym.candles.maxlen != keep:
            sym.candles = deque(sym.candles, maxlen=keep)
        for window in (sym.longs, sym.shorts):
            window.armed = sym.threshold is None or window.total < sym.threshold
    refresh_deadline(state)


def deadline_of(config: BotConfig, pending: Pending) -> int:
    return pending.trigger_ts + config.signal.max_setup_age_seconds * 1000


def refresh_deadline(state: StrategyState) -> None:
    deadlines = [deadline_of(state.config, s.pending)
                 for s in state.symbols.values() if s.pending is not None]
    state.deadline = min(deadlines) if deadlines else None


# --- snapshot ------------------------------------------------------------------------------------


def snapshot(state: StrategyState) -> bytes:
    return orjson.dumps({
        "config": orjson.Fragment(state.config_json),
        "symbols": {name: _symbol_dump(sym) for name, sym in state.symbols.items()},
    })


def restore(raw: bytes, factory_config: BotConfig) -> StrategyState:
    """The saved state. The newer of the saved config and the one the worker started with applies."""
    data = orjson.loads(raw)
    saved = BotConfig.model_validate(data["config"])
    config = saved if saved.version >= factory_config.version else factory_config
    state = StrategyState(config=config, symbols={s: SymbolState() for s in ALL_SYMBOLS})
    for name, dumped in data["symbols"].items():
        if name in state.symbols:
            state.symbols[name] = _symbol_load(dumped)
    apply_config(state, config)
    state.idle = Decision(state)
    return state


def _window_dump(w: Window) -> dict[str, Any]:
    return {"e": [[ts, str(usd)] for ts, usd in w.entries], "h": w.high_water, "a": w.armed,
            "t": w.last_trigger}


def _window_load(d: dict[str, Any]) -> Window:
    entries = deque((int(ts), Decimal(usd)) for ts, usd in d["e"])
    total = Decimal(0)
    for _, usd in entries:
        total = USD.add(total, usd)
    return Window(entries, total, int(d["h"]), bool(d["a"]), int(d["t"]))


def _symbol_dump(s: SymbolState) -> dict[str, Any]:
    p = s.pending
    return {
        "longs": _window_dump(s.longs),
        "shorts": _window_dump(s.shorts),
        "candles": [[c[0], *(str(x) for x in c[1:])] for c in s.candles],
        "book": None if s.book is None else [s.book.ts, str(s.book.bid), str(s.book.ask)],
        "last_close_ts": s.last_close_ts,
        "stale": sorted(s.stale),
        "pending": None if p is None else {
            "setup_id": p.setup_id, "symbol": p.symbol, "side": p.side, "liq_usd": str(p.liq_usd),
            "trigger_ts": p.trigger_ts, "window_start_ts": p.window_start_ts, "candle_open": p.candle_open,
            "volume": _opt(p.volume), "avg_volume": _opt(p.avg_volume), "extreme": _opt(p.extreme),
            "ref_price": _opt(p.ref_price), "quiet": p.quiet, "bodies": [str(b) for b in p.bodies],
        },
    }


def _symbol_load(d: dict[str, Any]) -> SymbolState:
    candles: deque[Candle] = deque(
        (int(c[0]), Decimal(c[1]), Decimal(c[2]), Decimal(c[3]), Decimal(c[4]), Decimal(c[5]))
        for c in d["candles"]
    )
    b = d["book"]
    book = None if b is None else Book(int(b[0]), Decimal(b[1]), Decimal(b[2]))
    p = d["pending"]
    pending = None if p is None else Pending(
        setup_id=p["setup_id"], symbol=p["symbol"], side=p["side"], liq_usd=Decimal(p["liq_usd"]),
        trigger_ts=p["trigger_ts"], window_start_ts=p["window_start_ts"], candle_open=p["candle_open"],
        volume=_dec(p["volume"]), avg_volume=_dec(p["avg_volume"]), extreme=_dec(p["extreme"]),
        ref_price=_dec(p["ref_price"]), quiet=p["quiet"], bodies=[Decimal(b) for b in p["bodies"]],
    )
    return SymbolState(longs=_window_load(d["longs"]), shorts=_window_load(d["shorts"]), candles=candles,
                       book=book, last_close_ts=d["last_close_ts"], stale=set(d["stale"]), pending=pending)


def _opt(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
