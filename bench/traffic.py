"""A day of what the projector receives live for BTCUSDT + ETHUSDT, at a fraction of the live rates, as stream
entries in the order the projector reads them. Deterministic for a (day, fraction, seed).

Live rates per day (issue 20's measurements of a live day): 1.73M conflated book tickers (100 ms cap), 0.69M
forming-kline updates (250 ms), 0.14M heartbeats (seven processes every 5 s, the governor's every 5 s), closed
klines, liquidations, INFO and WARNING logs, and a few hundred decision events (setups, approvals, trades).
Each family is scaled by the same fraction, so sizes scale back to live by 1 / fraction (the heartbeats kept
one an hour are the exception: a fixed number a day, which the report does not scale).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal as D

from projector.messages import DecodedMessage
from projector.partitions import DAY_MS
from schemas.envelope import Envelope, Payload, derive_id
from schemas.market import BookTickerUpdated, KlineClosed, KlineUpdated, LiquidationObserved
from schemas.positions import PositionClosed, PositionOpened
from schemas.registry import encode, stream_of
from schemas.risk import EntryApproved, Heartbeat
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.system import LogRecorded, ProcessHeartbeat
from schemas.types import BotStatus, ExitReason, RejectReason

LIVE_PER_DAY = {
    "book_tickers": 1_730_000,
    "forming_klines": 690_000,
    "heartbeats": 138_240,  # 8 senders × 17,280
    "closed_klines": 2_880,
    "liquidations": 3_000,
    "logs_info": 5_000,
    "logs_warning": 100,
    "setups": 40,  # each: detected, then rejected, or confirmed → approved → opened → closed (1 in 4)
}
PROCESSES = ("ingest", "strategy", "governor", "executor", "projector", "notifier", "api")
SYMBOLS = {"BTCUSDT": D("95000.0"), "ETHUSDT": D("3500.00")}
START_DAY = 20_400  # 2025-11-09: the first simulated day (days since the epoch)


def day_entries(day: int, fraction: float, seed: int = 7) -> list[DecodedMessage]:
    """Day number `day` (1-based) of the simulation, as projector entries in stream-id order."""
    rng = random.Random(seed * 1_000_003 + day)
    start = (START_DAY + day - 1) * DAY_MS
    made: list[Envelope] = []
    for family, per_day in LIVE_PER_DAY.items():
        count = _count(per_day * fraction, rng)
        maker = MAKERS[family]
        for ts in sorted(start + rng.randrange(DAY_MS) for _ in range(count)):
            made.extend(maker(ts, rng))
    made.sort(key=lambda e: e.ts)
    return as_entries(made)


def _count(expected: float, rng: random.Random) -> int:
    """The whole part, plus one with the probability of the rest (so a small fraction still averages right)."""
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def as_entries(events: list[Envelope]) -> list[DecodedMessage]:
    """Stream entries for events in time order: each stream's ids increase, as Redis gives them."""
    last: dict[str, tuple[int, int]] = {}
    entries = []
    for envelope in events:
        stream = stream_of(envelope.payload)
        ms, seq = last.get(stream, (0, -1))
        ms, seq = (ms, seq + 1) if envelope.ts <= ms else (envelope.ts, 0)
        last[stream] = (ms, seq)
        entries.append(DecodedMessage(stream, f"{ms}-{seq}", encode(envelope).decode(), envelope))
    return entries


def _wrap(payload: Payload, ts: int, source: str, rng: random.Random, correlation: str | None = None,
          recv: bool = False) -> Envelope:
    return Envelope(id=derive_id(source, rng.randrange(2**48), ts), type=payload.TYPE, v=payload.VERSION, ts=ts,
                    recv_ts=ts + rng.randrange(1, 40) if recv else None, source=source,
                    correlation_id=correlation, payload=payload)


def _symbol(rng: random.Random) -> tuple[str, D]:
    symbol = rng.choice(tuple(SYMBOLS))
    base = SYMBOLS[symbol]
    return symbol, base + D(rng.randrange(-20_000, 20_000)) * (D("0.1") if symbol == "BTCUSDT" else D("0.01"))


def _book(ts: int, rng: random.Random) -> list[Envelope]:
    symbol, bid = _symbol(rng)
    tick = D("0.1") if symbol == "BTCUSDT" else D("0.01")
    payload = BookTickerUpdated(symbol=symbol, bid=bid, bid_qty=D(rng.randrange(1, 90_000)) / 1000, ask=bid + tick,
                                ask_qty=D(rng.randrange(1, 90_000)) / 1000, update_id=8_900_000_000_000 + ts % 10**9)
    return [_wrap(payload, ts, "ingest", rng, recv=True)]


def _kline(closed: bool) -> Callable[[int, random.Random], list[Envelope]]:
    def make(ts: int, rng: random.Random) -> list[Envelope]:
        symbol, price = _symbol(rng)
        opened = ts - ts % 60_000
        fields = dict(symbol=symbol, open_time=opened, close_time=opened + 59_999, open=price, high=price * D("1.001"),
                      low=price * D("0.999"), close=price, volume=D(rng.randrange(1, 10**6)) / 1000,
                      quote_volume=D(rng.randrange(1, 10**9)) / 100, trades=rng.randrange(1, 9_000))
        payload = KlineClosed(**fields) if closed else KlineUpdated(**fields)
        return [_wrap(payload, ts, "ingest", rng, recv=True)]
    return make


def _liquidation(ts: int, rng: random.Random) -> list[Envelope]:
    symbol, price = _symbol(rng)
    qty = D(rng.randrange(1, 50_000)) / 1000
    payload = LiquidationObserved(symbol=symbol, side=rng.choice(("BUY", "SELL")), avg_price=price, qty=qty,
                                  usd_value=price * qty, price=price * D("0.998"), trade_time=ts)
    return [_wrap(payload, ts, "ingest", rng, recv=True)]


def _heartbeat(ts: int, rng: random.Random) -> list[Envelope]:
    sender = rng.randrange(len(PROCESSES) + 1)
    if sender == len(PROCESSES):
        payload: Payload = Heartbeat(
            status=BotStatus.RUNNING, day="2025-11-09", tz="UTC", equity=D("1352.66"), day_start_equity=D("1350"),
            daily_pnl=D("2.66"), daily_max_drawdown=D("0"), trades_today=1, trades_left=9,
            daily_loss_remaining=D("22.91"), consecutive_losses=0, pause_until=None, open_positions=(),
            config_version=1)
        return [_wrap(payload, ts, "governor", rng)]
    process = PROCESSES[sender]
    payload = ProcessHeartbeat(process=process, pid=100 + sender, started_ts=ts - 3_600_000,
                               events_processed=ts // 1000, lag=rng.randrange(3), rss_mb=60.0 + sender)
    return [_wrap(payload, ts, process, rng)]


def _log(level: str) -> Callable[[int, random.Random], list[Envelope]]:
    def make(ts: int, rng: random.Random) -> list[Envelope]:
        process = rng.choice(PROCESSES)
        what = "slow reply" if level == "WARNING" else "batch done"
        payload = LogRecorded(level=level, process=process, module=f"{process}.service",
                              message=f"{what} in {rng.randrange(999)} ms")
        return [_wrap(payload, ts, process, rng)]
    return make


def _setup(ts: int, rng: random.Random) -> list[Envelope]:
    symbol, price = _symbol(rng)
    setup = f"{symbol}-LONG-{ts}"
    usd = D(rng.randrange(2_500_000, 9_000_000))
    events = [_wrap(SetupDetected(setup_id=setup, symbol=symbol, side="LONG", liq_usd=usd, liq_count=3,
                                  window_start_ts=ts - 60_000, trigger_ts=ts, threshold_usd=D("2500000")),
                    ts, "strategy", rng, setup)]
    if rng.random() < 0.75:
        events.append(_wrap(SetupRejected(setup_id=setup, symbol=symbol, side="LONG", reason=RejectReason.SPREAD,
                                          detail="spread 5.1 bps > 4", liq_usd=usd,
                                          measured={"spread_bps": "5.1", "max": "4"}), ts + 1, "strategy", rng, setup))
        return events
    qty, stop, take = D("0.010"), price * D("0.9955"), price * D("1.0035")
    return [
        *events,
        _wrap(SetupConfirmed(setup_id=setup, symbol=symbol, side="LONG", liq_usd=usd, volume=D("900"),
                             avg_volume=D("300"), volume_mult=3.0, spread_bps=0.01, impulse_move_pct=0.8,
                             extreme_price=price, bid=price, ask=price, exhaustion_candles=2), ts + 1, "strategy", rng,
              setup),
        _wrap(EntryApproved(setup_id=setup, symbol=symbol, side="LONG", qty=qty, entry_price=price, stop_price=stop,
                            take_profit_price=take, equity=D("1350"), risk_usdt=D("3.375"),
                            effective_risk_pct=D("0.0025"), margin_usdt=D("270"), leverage=2, tp_pct=D("0.0035"),
                            sl_pct=D("0.0045"), time_stop_seconds=150, entry_fill_timeout_ms=800,
                            use_market_if_not_filled=True, config_version=1), ts + 2, "governor", rng, setup),
        _wrap(PositionOpened(setup_id=setup, symbol=symbol, side="LONG", qty=qty, entry_price=price, stop_price=stop,
                             take_profit_price=take, opened_ts=ts + 3, time_stop_ts=ts + 150_003), ts + 3, "executor",
              rng, setup),
        _wrap(PositionClosed(setup_id=setup, symbol=symbol, side="LONG", reason=ExitReason.TP, qty=qty,
                             entry_price=price, exit_price=take, pnl_usdt=D("2.66"), pnl_pct=D("0.0031"),
                             fees_usdt=D("0.66"), slippage_bps=D("0.8"), opened_ts=ts + 3, closed_ts=ts + 90_000,
                             duration_ms=89_997, funding_usdt=D("0"), fees_by_asset={"USDT": D("0.66")}),
              ts + 90_000, "executor", rng, setup),
    ]


MAKERS: dict[str, Callable[[int, random.Random], list[Envelope]]] = {
    "book_tickers": _book,
    "forming_klines": _kline(closed=False),
    "heartbeats": _heartbeat,
    "closed_klines": _kline(closed=True),
    "liquidations": _liquidation,
    "logs_info": _log("INFO"),
    "logs_warning": _log("WARNING"),
    "setups": _setup,
}
