"""The strategy core: market data, feed health, config and closed trades in; setups out (DESIGN §4).

Every SetupDetected ends in exactly one SetupConfirmed or SetupRejected, with the setup id as the
correlation id. A setup's life:

1. detection: the rolling liquidation sum of a symbol and side crosses `min_liq_usd[symbol]`
   (strategy/detector.py). It is rejected at once when the symbol is not active (`symbol_disabled`), its
   book or kline feed is stale (`feed_stale`), it is in cooldown after a trade (`cooldown`), or another
   setup is pending on the symbol (`superseded`: the new one is rejected and the older one carries on,
   so a continuing cascade can neither stack setups nor keep resetting the age limit);
2. volume: the spike candle (the 1m candle containing trigger_ts) passes as soon as a KlineUpdated of it
   reaches `volume_mult` x the mean of the `volume_lookback` closed candles before it, else at its
   KlineClosed. A lookback that is not full (fewer contiguous closed candles than required) rejects
   `volume` at the spike candle's close: waiting could not fill it, those candles are in the past;
3. exhaustion: from the spike candle's close, `exhaustion_candles` consecutive closed candles without a
   new extreme (strategy/exhaustion.py); optionally shrinking candle bodies (`momentum`);
4. confirmation: cooldown again, then the latest book ticker: older than `stale_data_seconds` →
   `stale_book`, wider than `max_spread_bps[symbol]` (or crossed) → `spread`;
5. expiry: not confirmed `max_setup_age_seconds` after trigger_ts → `no_exhaustion`, or `volume` when
   the spike candle's volume was never decided (no klines for the symbol, as for ETHUSDT in the CSVs).

A FeedStale for a symbol's book or kline rejects its pending setup at once. A ConfigPublished applies at
once; a pending setup on a symbol it disables is rejected `symbol_disabled`, and a changed threshold never
fires a setup by itself (the sum must cross it from below). Setups are only ever decided on data with
exchange time ≤ the decision time, and candles only after their KlineClosed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from runtime.core import Decision, Emit
from schemas.commands import ConfigPublished
from schemas.config import BotConfig, SignalConfig
from schemas.envelope import Envelope, Payload
from schemas.feed import FeedRecovered, FeedStale
from schemas.market import BookTickerUpdated, KlineClosed, KlineUpdated, LiquidationObserved
from schemas.positions import PositionClosed
from schemas.signals import SetupConfirmed, SetupDetected, SetupRejected
from schemas.streams import COMMANDS, EXECUTIONS, FEED, MARKET_DATA
from schemas.types import PositionSide, RejectReason, Symbol
from strategy import exhaustion
from strategy import state as st
from strategy.checks import Rejection, at_confirmation, at_detection, feed_stale
from strategy.detector import Crossing, observe
from strategy.state import MINUTE_MS, Book, Candle, Pending, StrategyState, SymbolState
from strategy.volume import lookback_mean, observed_mult, volume_passes

Emits = list[Emit] | None
Handler = Callable[[StrategyState, Envelope, int], Emits]
WATCHED_FEEDS = ("book", "kline")  # liquidations are legitimately silent


class StrategyCore:
    name = "strategy"
    inputs: tuple[str, ...] = (*MARKET_DATA, FEED, COMMANDS, EXECUTIONS)

    def __init__(self, config: BotConfig) -> None:
        self.config = config
        self._handlers: dict[type[Payload], Handler] = {
            LiquidationObserved: self._liquidation,
            BookTickerUpdated: self._book,
            KlineClosed: self._kline_closed,
            KlineUpdated: self._kline_updated,
            FeedStale: self._feed_stale,
            FeedRecovered: self._feed_recovered,
            ConfigPublished: self._config_published,
            PositionClosed: self._position_closed,
        }

    # --- the Core protocol -----------------------------------------------------------------------

    def initial_state(self) -> StrategyState:
        return st.new_state(self.config)

    def decide(self, state: StrategyState, event: Envelope, now: int) -> Decision[StrategyState]:
        expired = self._expire(state, now) if state.deadline is not None and now >= state.deadline else None
        handler = self._handlers.get(type(event.payload))
        emits = handler(state, event, now) if handler is not None else None
        if expired:
            return Decision(state, expired + (emits or []))
        if emits:
            return Decision(state, emits)
        return state.idle if state.idle is not None else Decision(state)

    def on_timer(self, state: StrategyState, now: int) -> Decision[StrategyState]:
        return Decision(state, self._expire(state, now))

    def next_deadline(self, state: StrategyState) -> int | None:
        return state.deadline

    def snapshot(self, state: StrategyState) -> bytes:
        return st.snapshot(state)

    def restore(self, raw: bytes) -> StrategyState:
        return st.restore(raw, self.config)

    # --- market data -----------------------------------------------------------------------------

    def _liquidation(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(LiquidationObserved, event.payload)
        sym = state.symbols[p.symbol]
        threshold = sym.threshold
        if threshold is None:
            return None
        long_side = p.side == "SELL"  # a long was liquidated: fade it with a LONG
        window = sym.longs if long_side else sym.shorts
        crossing = observe(window, p.trade_time, p.usd_value, state.window_ms, threshold)
        if crossing is None:
            return None
        return self._detected(state, p.symbol, sym, "LONG" if long_side else "SHORT", crossing, now)

    def _book(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(BookTickerUpdated, event.payload)
        state.symbols[p.symbol].book = Book(event.ts, p.bid, p.ask)
        return None

    def _kline_closed(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(KlineClosed, event.payload)
        sym = state.symbols[p.symbol]
        candles = sym.candles
        if p.interval != "1m" or (candles and p.open_time <= candles[-1][0]):
            return None  # another interval, a repeat (REST warm-up) or an old candle
        candle: Candle = (p.open_time, p.open, p.high, p.low, p.close, p.volume)
        candles.append(candle)
        pending = sym.pending
        if pending is None:
            return None
        return self._advance(state, p.symbol, sym, pending, candle, now)

    def _kline_updated(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(KlineUpdated, event.payload)
        sym = state.symbols[p.symbol]
        pending = sym.pending
        if pending is None or pending.volume is not None or p.open_time != pending.candle_open:
            return None
        signal = state.config.signal
        mean, _ = lookback_mean(sym.candles, pending.candle_open, signal.volume_lookback)
        if p.interval == "1m" and mean is not None and volume_passes(p.volume, mean, signal.volume_mult):
            pending.volume, pending.avg_volume = p.volume, mean
        return None

    # --- feed, commands, executions --------------------------------------------------------------

    def _feed_stale(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(FeedStale, event.payload)
        sym = state.symbols.get(p.symbol)
        if sym is None or p.kind not in WATCHED_FEEDS:
            return None
        sym.stale.add(p.kind)
        if sym.pending is None:
            return None
        return [self._finish(state, sym, sym.pending, feed_stale(p.symbol, sym))]

    def _feed_recovered(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(FeedRecovered, event.payload)
        sym = state.symbols.get(p.symbol)
        if sym is not None:
            sym.stale.discard(p.kind)
        return None

    def _config_published(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        config = cast(ConfigPublished, event.payload).config
        st.apply_config(state, config)
        emits = []
        for name, sym in state.symbols.items():
            if sym.pending is not None and not sym.enabled:
                emits.append(self._finish(state, sym, sym.pending, Rejection(
                    RejectReason.SYMBOL_DISABLED, f"config v{config.version} disabled {name}",
                    {"config_version": str(config.version)})))
        return emits

    def _position_closed(self, state: StrategyState, event: Envelope, now: int) -> Emits:
        p = cast(PositionClosed, event.payload)
        sym = state.symbols[p.symbol]
        if sym.last_close_ts is None or p.closed_ts > sym.last_close_ts:
            sym.last_close_ts = p.closed_ts
        return None

    # --- a setup's life --------------------------------------------------------------------------

    def _detected(self, state: StrategyState, symbol: Symbol, sym: SymbolState, side: PositionSide,
                  crossing: Crossing, now: int) -> list[Emit]:
        setup_id = f"{symbol}-{side}-{crossing.trigger_ts}"
        liq_usd = st.tidy(crossing.liq_usd)
        assert sym.threshold is not None
        emits = [Emit(SetupDetected(
            setup_id=setup_id, symbol=symbol, side=side, liq_usd=liq_usd,
            liq_count=crossing.liq_count, window_start_ts=crossing.window_start_ts,
            trigger_ts=crossing.trigger_ts, threshold_usd=sym.threshold,
        ), correlation_id=setup_id)]
        pending = Pending(setup_id=setup_id, symbol=symbol, side=side, liq_usd=liq_usd,
                          trigger_ts=crossing.trigger_ts, window_start_ts=crossing.window_start_ts,
                          candle_open=crossing.trigger_ts - crossing.trigger_ts % MINUTE_MS)
        rejection = at_detection(state.config, symbol, sym, now)
        if rejection is not None:
            emits.append(_rejected(pending, rejection))
            return emits
        sym.pending = pending
        st.refresh_deadline(state)
        # A liquidation that arrives after its candle's KlineClosed: decide on what is already closed.
        for candle in [c for c in sym.candles if c[0] >= pending.candle_open]:
            if sym.pending is not pending:
                break
            emits.extend(self._advance(state, symbol, sym, pending, candle, now))
        return emits

    def _advance(self, state: StrategyState, symbol: Symbol, sym: SymbolState, pending: Pending,
                 candle: Candle, now: int) -> list[Emit]:
        """Fold one closed candle into a pending setup."""
        signal = state.config.signal
        if candle[0] < pending.candle_open:
            return []
        if pending.extreme is None:
            if candle[0] != pending.candle_open:
                return [self._finish(state, sym, pending, Rejection(
                    RejectReason.VOLUME, "the spike candle's close was never seen (gap in the klines)",
                    {"spike_candle_open": str(pending.candle_open), "next_candle_open": str(candle[0])}))]
            if pending.volume is None:
                rejection = _volume_at_close(signal, sym, pending, candle)
                if rejection is not None:
                    return [self._finish(state, sym, pending, rejection)]
            exhaustion.start(pending, candle, sym.candles)
            return []
        if not exhaustion.extend(pending, candle, signal.exhaustion_candles):
            return []
        return [self._confirm(state, symbol, sym, pending, now)]

    def _confirm(self, state: StrategyState, symbol: Symbol, sym: SymbolState, pending: Pending,
                 now: int) -> Emit:
        rejection, spread = at_confirmation(state.config, symbol, sym, pending, now)
        if rejection is not None:
            return self._finish(state, sym, pending, rejection)
        assert sym.book is not None and pending.extreme is not None
        assert pending.volume is not None and pending.avg_volume is not None
        confirmed = SetupConfirmed(
            setup_id=pending.setup_id, symbol=symbol, side=pending.side, liq_usd=pending.liq_usd,
            volume=pending.volume, avg_volume=pending.avg_volume,
            volume_mult=observed_mult(pending.volume, pending.avg_volume), spread_bps=float(spread),
            impulse_move_pct=exhaustion.impulse_move_pct(pending), extreme_price=pending.extreme,
            bid=sym.book.bid, ask=sym.book.ask, exhaustion_candles=pending.quiet,
        )
        sym.pending = None
        st.refresh_deadline(state)
        return Emit(confirmed, correlation_id=pending.setup_id)

    def _finish(self, state: StrategyState, sym: SymbolState, pending: Pending, rejection: Rejection) -> Emit:
        sym.pending = None
        st.refresh_deadline(state)
        return _rejected(pending, rejection)

    def _expire(self, state: StrategyState, now: int) -> list[Emit]:
        emits = []
        for sym in state.symbols.values():
            pending = sym.pending
            if pending is None or now < st.deadline_of(state.config, pending):
                continue
            age_s = state.config.signal.max_setup_age_seconds
            if pending.volume is None:
                rejection = Rejection(RejectReason.VOLUME,
                                      f"the spike candle's volume was not decided within {age_s} s "
                                      "(no kline data for the spike candle)",
                                      {"spike_candle_open": str(pending.candle_open),
                                       "max_setup_age_s": str(age_s)})
            else:
                rejection = Rejection(RejectReason.NO_EXHAUSTION, f"no exhaustion within {age_s} s",
                                      {"quiet_candles": str(pending.quiet),
                                       "required": str(state.config.signal.exhaustion_candles),
                                       "max_setup_age_s": str(age_s)})
            emits.append(self._finish(state, sym, pending, rejection))
        return emits


def _volume_at_close(signal: SignalConfig, sym: SymbolState, pending: Pending,
                     candle: Candle) -> Rejection | None:
    lookback, mult = signal.volume_lookback, signal.volume_mult
    mean, have = lookback_mean(sym.candles, pending.candle_open, lookback)
    if mean is None:
        return Rejection(RejectReason.VOLUME,
                         f"volume lookback not full: {have} of {lookback} contiguous closed candles "
                         "before the spike candle",
                         {"lookback_candles": str(have), "required": str(lookback)})
    volume = candle[5]
    if not volume_passes(volume, mean, mult):
        return Rejection(RejectReason.VOLUME, "spike candle volume below volume_mult x mean",
                         {"volume": str(volume), "avg_volume": str(mean),
                          "volume_mult": f"{observed_mult(volume, mean):.4f}", "required_mult": str(mult)})
    pending.volume, pending.avg_volume = volume, mean
    return None


def _rejected(pending: Pending, rejection: Rejection) -> Emit:
    return Emit(SetupRejected(
        setup_id=pending.setup_id, symbol=pending.symbol, side=pending.side, reason=rejection.reason,
        detail=rejection.detail, liq_usd=pending.liq_usd, measured=rejection.measured,
    ), correlation_id=pending.setup_id)


def make_core(config: BotConfig | None = None) -> StrategyCore:
    return StrategyCore(config or BotConfig())
