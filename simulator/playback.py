"""Playback engine: merges the sources into one timeline and plays it on the virtual clock."""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from loguru import logger

from simulator import payloads, streams
from simulator.clock import VirtualClock
from simulator.config import DEFAULT_KLINES, DEFAULT_LIQUIDATIONS, SimConfig
from simulator.events import (
    Bar,
    BookSpread,
    FaultAt,
    Heartbeat,
    KlineTick,
    Liquidation,
    RawFrame,
    TimelineEvent,
    shifted,
    sort_key,
)
from simulator.hub import Hub
from simulator.market import MarketState
from simulator.recording import read_recording
from simulator.scenarios import ExchangeSetup, load_scenario
from simulator.sources import MINUTE_MS, kline_ticks, load_klines_csv, load_liquidations_csv

FaultHandler = Callable[[dict[str, Any]], Awaitable[object]]
BookListener = Callable[[str, Decimal, Decimal, int], None]
TickListener = Callable[[int], None]


@dataclass
class Sources:
    bars: list[Bar] = field(default_factory=list)
    liquidations: list[Liquidation] = field(default_factory=list)
    frames: list[RawFrame] = field(default_factory=list)
    book: list[BookSpread] = field(default_factory=list)
    faults: list[FaultAt] = field(default_factory=list)
    spread_bps: float | None = None
    scenario_start_ms: int | None = None
    descriptions: list[str] = field(default_factory=list)
    exchange: ExchangeSetup = field(default_factory=ExchangeSetup)

    def first_ms(self) -> int:
        times = (
            [b.open_time for b in self.bars] + [x.ts for x in self.liquidations] + [f.ts for f in self.frames]
        )
        times += [x.ts for x in self.faults]
        if self.scenario_start_ms is not None:
            times.append(self.scenario_start_ms)
        return min(times) if times else 0

    def last_ms(self) -> int:
        times = [b.open_time + MINUTE_MS for b in self.bars] + [x.ts for x in self.liquidations]
        times += [f.ts for f in self.frames] + [x.ts for x in self.faults] + [x.ts for x in self.book]
        return max(times) if times else 0


def load_sources(config: SimConfig) -> Sources:
    src = Sources()
    liq_csv, kl_csv = config.liquidations_csv, config.klines_csv
    if config.uses_default_data:
        liq_csv, kl_csv = DEFAULT_LIQUIDATIONS, DEFAULT_KLINES
    if liq_csv is not None:
        src.liquidations += load_liquidations_csv(liq_csv)
        src.descriptions.append(f"liquidations {liq_csv.name} ({len(src.liquidations)} rows)")
    if kl_csv is not None:
        src.bars += load_klines_csv(kl_csv)
        src.descriptions.append(f"klines {kl_csv.name} ({len(src.bars)} bars)")
    for rec in config.recordings:
        frames = list(read_recording(rec))
        src.frames += frames
        src.descriptions.append(f"recording {rec.name} ({len(frames)} frames)")
    if config.scenario is not None:
        sc = load_scenario(config.scenario, config.scenario_start_ms)
        src.bars += sc.bars
        src.liquidations += sc.liquidations
        src.book += sc.book
        src.faults += sc.faults
        src.spread_bps = sc.spread_bps
        src.scenario_start_ms = sc.start_ms
        src.exchange = sc.exchange
        src.descriptions.append(f"scenario {sc.name}: {sc.description}")
    src.frames.sort(key=lambda f: f.ts)
    return src


@dataclass
class Progress:
    events: int = 0
    liquidations: int = 0
    klines_closed: int = 0
    frames: int = 0
    iteration: int = 0
    finished: bool = False
    playing: bool = False


class Playback:
    def __init__(
        self,
        config: SimConfig,
        sources: Sources,
        clock: VirtualClock,
        hub: Hub,
        market: MarketState,
        on_fault: FaultHandler,
    ) -> None:
        self._config = config
        self._src = sources
        self._clock = clock
        self._hub = hub
        self._market = market
        self._on_fault = on_fault
        self.book_listeners: list[BookListener] = []
        self.tick_listeners: list[TickListener] = []  # every virtual second (marks, funding)
        self.progress = Progress()
        self.start_ms = config.start_ms if config.start_ms is not None else sources.first_ms()
        self.end_ms = sources.last_ms()
        self.kline_symbols = {b.symbol for b in sources.bars} | {
            str(f.data.get("s")) for f in sources.frames if f.data.get("e") == "kline"
        }
        self.finished = asyncio.Event()
        market.preload_bars(sources.bars, self.start_ms)
        if sources.spread_bps is not None:
            market.default_spread_bps = sources.spread_bps

    def _timeline(self, iteration: int) -> Iterator[TimelineEvent]:
        start = self.start_ms
        span = ((self.end_ms - start) // MINUTE_MS + 2) * MINUTE_MS
        offset = iteration * span
        parts: list[Iterable[TimelineEvent]] = [
            *self._kline_ticks_by_symbol(start),
            (x for x in self._src.liquidations if x.ts >= start),
            (x for x in self._src.frames if x.ts >= start),
            sorted((x for x in self._src.book), key=lambda b: b.ts),
            sorted((x for x in self._src.faults if x.ts >= start), key=lambda f: f.ts),
            (Heartbeat(t) for t in range(start - start % 1000 + 1000, self.end_ms + 1, 1000)),
        ]
        merged = heapq.merge(*parts, key=sort_key)
        for event in merged:
            yield shifted(event, offset) if offset else event

    def _kline_ticks_by_symbol(self, start: int) -> list[Iterator[KlineTick]]:
        """One time-ordered tick stream per symbol: heapq.merge needs each input sorted, and the ticks of
        one bar span its whole minute, so bars of several symbols cannot share one stream."""
        by_symbol: dict[str, list[Bar]] = {}
        for bar in self._src.bars:
            by_symbol.setdefault(bar.symbol, []).append(bar)
        return [kline_ticks(sorted(bars, key=lambda b: b.open_time), self._config.kline_step_ms, start_ms=start)
                for _symbol, bars in sorted(by_symbol.items())]

    async def run(self) -> None:
        self.progress.playing = True
        self._clock.unfreeze()
        try:
            while True:
                await self._play(self.progress.iteration)
                if not self._config.loop:
                    break
                self.progress.iteration += 1
                logger.info("playback: loop {} starts", self.progress.iteration)
        finally:
            self.progress.finished = True
            self.progress.playing = False
            if self._clock.speed <= 0:
                self._clock.set_speed(1.0)  # keep time moving for whatever still talks to the server
            self.finished.set()
            logger.info("playback finished: {}", self.progress)

    async def _play(self, iteration: int) -> None:
        max_speed = self._clock.speed <= 0
        for n, event in enumerate(self._timeline(iteration)):
            if max_speed:
                if event.ts > self._clock.now_ms():
                    self._clock.set(event.ts)
                if n % 200 == 0:
                    await asyncio.sleep(0)
                    while self._hub.backlog() > 5000:
                        await asyncio.sleep(0.002)
            else:
                wait = self._clock.wall_seconds_until(event.ts)
                if wait > 0:
                    await asyncio.sleep(wait)
            await self._apply(event)
            self.progress.events += 1

    async def _apply(self, event: TimelineEvent) -> None:
        if isinstance(event, KlineTick):
            self._on_kline(event)
        elif isinstance(event, Liquidation):
            self._on_liquidation(event)
        elif isinstance(event, RawFrame):
            self._on_frame(event)
        elif isinstance(event, BookSpread):
            m = self._market.sym(event.symbol)
            m.spread_bps = event.spread_bps
            if m.last_price is not None:
                self._quote(event.symbol, m.last_price, event.ts)
        elif isinstance(event, FaultAt):
            logger.info("scenario fault at {}: {}", event.ts, event.fault)
            try:
                await self._on_fault(event.fault)
            except (TypeError, ValueError) as exc:  # e.g. force_close with no position: the play goes on
                logger.warning("scenario fault at {} not applied: {}", event.ts, exc)
        else:
            self._on_heartbeat(event)

    def _on_kline(self, tick: KlineTick) -> None:
        sym = tick.bar.symbol
        payload = self._market.apply_kline(tick)
        self._hub.publish(streams.kline_1m(sym), payload)
        if tick.closed:
            self.progress.klines_closed += 1
            return
        if self._hub.has_subscribers(streams.agg_trade(sym)):
            trade = self._market.agg_trade_for(tick)
            if trade is not None:
                self._hub.publish(streams.agg_trade(sym), trade)
        else:
            self._market.agg_trade_for(tick)
        self._quote(sym, tick.price, tick.ts)

    def _quote(self, symbol: str, price: Decimal, ts: int) -> None:
        book = self._market.quote(symbol, price, ts)
        if book is not None:
            self._hub.publish(streams.book_ticker(symbol), book)
            self._hub.publish(streams.ALL_BOOK_TICKERS, book)
            self._notify_book(symbol, ts)

    def _notify_book(self, symbol: str, ts: int) -> None:
        b = self._market.sym(symbol).book
        if b is not None:
            for listener in self.book_listeners:
                listener(symbol, b.bid, b.ask, ts)

    def _on_liquidation(self, liq: Liquidation) -> None:
        payload = payloads.force_order(liq, liq.ts)
        self._hub.publish(streams.force_order(liq.symbol), payload)
        self._hub.publish(streams.ALL_FORCE_ORDERS, payload)
        self.progress.liquidations += 1
        if self._config.eth_book_from_liquidations and liq.symbol not in self.kline_symbols:
            # No klines for this symbol (ETHUSDT in the recorded set): its book follows liquidation prices.
            self._market.sym(liq.symbol).last_price = Decimal(liq.price)
            self._quote(liq.symbol, Decimal(liq.price), liq.ts)

    def _on_frame(self, frame: RawFrame) -> None:
        kind = frame.data.get("e")
        if kind == "bookTicker":
            self._market.apply_raw_book(frame.data)
            self._notify_book(str(frame.data["s"]), frame.ts)
        elif kind == "kline":
            self._market.apply_raw_kline(frame.data)
        self._hub.publish(frame.stream, frame.data)
        self.progress.frames += 1

    def _on_heartbeat(self, beat: Heartbeat) -> None:
        for sym, m in self._market.symbols.items():
            if m.last_price is not None and sym not in self.kline_symbols and m.book is not None:
                self._quote(sym, m.last_price, beat.ts)  # keep a liquidation-derived book fresh
        for listener in self.tick_listeners:
            listener(beat.ts)
