"""Envelopes and configs for strategy tests, and a replay helper that runs the core in virtual time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import count
from typing import Any

from replay.drivers import ReplayDriver
from runtime.core import Emit, envelopes
from schemas.commands import ConfigPublished
from schemas.config import BotConfig
from schemas.envelope import Envelope, Payload
from schemas.feed import FeedKind, FeedRecovered, FeedStale
from schemas.market import BookTickerUpdated, KlineClosed, KlineUpdated, LiquidationObserved
from schemas.positions import PositionClosed
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.types import ExitReason, OrderSide, Symbol
from strategy.core import StrategyCore, make_core

MIN = 60_000
T0 = 1_761_000_000_000 - 1_761_000_000_000 % MIN  # a minute boundary
_ids = count()


def wrap(payload: Payload, ts: int) -> Envelope:
    return envelopes([Emit(payload, ts=ts)], source="test", cause_id=f"test/{next(_ids)}", now=ts)[0]


def config(*, symbols: Sequence[Symbol] = ("BTCUSDT", "ETHUSDT"), momentum: bool = False, version: int = 1,
           **signal: Any) -> BotConfig:
    """Defaults with BTC/ETH thresholds of 100k/150k USD, a 3-candle lookback, and overrides."""
    base: dict[str, Any] = {"min_liq_usd": {"BTCUSDT": 100_000, "ETHUSDT": 150_000},
                            "volume_lookback": 3}
    base.update(signal)
    return BotConfig.model_validate({"version": version, "symbols": list(symbols), "signal": base,
                                     "feature_flags": {"enable_momentum_variant": momentum}})


def liq(ts: int, usd: float | str, side: OrderSide = "SELL", symbol: Symbol = "BTCUSDT",
        price: str = "100") -> Envelope:
    value = Decimal(str(usd))
    return wrap(LiquidationObserved(symbol=symbol, side=side, avg_price=Decimal(price),
                                    qty=value / Decimal(price), usd_value=value, trade_time=ts), ts)


def _kline_fields(symbol: Symbol, open_time: int, o: float, h: float, low: float, c: float,
                  volume: float) -> dict[str, Any]:
    return {"symbol": symbol, "open_time": open_time, "close_time": open_time + MIN - 1,
            "open": Decimal(str(o)), "high": Decimal(str(h)), "low": Decimal(str(low)),
            "close": Decimal(str(c)), "volume": Decimal(str(volume)), "quote_volume": Decimal(0), "trades": 1}


def candle(open_time: int, o: float, h: float, low: float, c: float, volume: float = 10,
           symbol: Symbol = "BTCUSDT") -> Envelope:
    return wrap(KlineClosed(**_kline_fields(symbol, open_time, o, h, low, c, volume)), open_time + MIN - 1)


def forming(open_time: int, ts: int, volume: float, price: float = 100,
            symbol: Symbol = "BTCUSDT") -> Envelope:
    return wrap(KlineUpdated(**_kline_fields(symbol, open_time, price, price, price, price, volume)), ts)


def history(end_open: int, n: int, volume: float = 10, price: float = 100,
            symbol: Symbol = "BTCUSDT") -> list[Envelope]:
    """n flat closed candles, the last one opening at end_open - MIN."""
    return [candle(end_open - k * MIN, price, price, price, price, volume, symbol) for k in range(n, 0, -1)]


def book(ts: int, bid: str = "99.99", ask: str = "100.01", symbol: Symbol = "BTCUSDT") -> Envelope:
    return wrap(BookTickerUpdated(symbol=symbol, bid=Decimal(bid), bid_qty=Decimal(1), ask=Decimal(ask),
                                  ask_qty=Decimal(1), update_id=ts), ts)


def stale(ts: int, kind: FeedKind = "book", symbol: str = "BTCUSDT") -> Envelope:
    return wrap(FeedStale(symbol=symbol, kind=kind, silent_ms=11_000), ts)


def recovered(ts: int, kind: FeedKind = "book", symbol: str = "BTCUSDT") -> Envelope:
    return wrap(FeedRecovered(symbol=symbol, kind=kind, silent_ms=12_000), ts)


def published(ts: int, new: BotConfig) -> Envelope:
    command = ConfigPublished(idempotency_key=f"cfg-{ts}", actor="test", version=new.version, config=new)
    return wrap(command, ts)


def closed_trade(ts: int, symbol: Symbol = "BTCUSDT") -> Envelope:
    return wrap(PositionClosed(
        setup_id="x", symbol=symbol, side="LONG", reason=ExitReason.TP, qty=Decimal(1),
        entry_price=Decimal(100), exit_price=Decimal(101), pnl_usdt=Decimal(1), pnl_pct=Decimal("0.01"),
        fees_usdt=Decimal(0), slippage_bps=Decimal(0), opened_ts=ts - 1000, closed_ts=ts, duration_ms=1000,
    ), ts)


def run(events: Iterable[Envelope], cfg: BotConfig | None = None, until: int | None = None,
        core: StrategyCore | None = None) -> list[Envelope]:
    """Every output of the core over the events (sorted stably by ts), timers fired up to `until`."""
    driver = ReplayDriver([core or make_core(cfg or config())])
    return list(driver.run(sorted(events, key=lambda e: e.ts), until=until))


def payloads(outputs: Sequence[Envelope], kind: type[Payload] | None = None) -> list[Any]:
    return [e.payload for e in outputs if kind is None or isinstance(e.payload, kind)]


def detected(outputs: Sequence[Envelope]) -> list[SetupDetected]:
    return payloads(outputs, SetupDetected)


def rejected(outputs: Sequence[Envelope]) -> list[SetupRejected]:
    return payloads(outputs, SetupRejected)


def confirmed(outputs: Sequence[Envelope]) -> list[SetupConfirmed]:
    return payloads(outputs, SetupConfirmed)


def spike_scenario(spike_volume: float = 50, lows: Sequence[float] = (97, 98, 98.5),
                   book_at: int | None = None, bid: str = "99.99", ask: str = "100.01") -> list[Envelope]:
    """A BTC LONG setup: 3 lookback candles of volume 10, a 120k SELL spike at T0+5s in candle T0 (low 96),
    then one closed candle per entry of `lows`, each with a book ticker just before its close."""
    events = [*history(T0, 3), liq(T0 + 5_000, 120_000)]
    events.append(candle(T0, 100, 100, 96, 97, spike_volume))
    for k, low in enumerate(lows, start=1):
        events.append(book(T0 + (k + 1) * MIN - 1 if book_at is None else book_at, bid, ask))
        events.append(candle(T0 + k * MIN, 97, 99, low, 98.5))
    return events
