"""The ingest process in one asyncio loop: two route connections, publishing, timers, commands.

Frames are decoded as they are read; their events queue in the Publisher and go to Redis in one
pipeline as soon as the reading task yields (so a burst becomes one round trip, a lone frame goes out
at once). A timer loop releases conflated book tickers, raises FeedStale, polls `commands` (the shared
consumer, ingest/handler.py), heartbeats and trims.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Sequence

import redis
from loguru import logger

from ingest.conflate import BookConflator
from ingest.connection import RouteConnection
from ingest.decode import FrameDecoder, MdEvent, Skipped, parse_frame
from ingest.handler import NAME, command_consumer
from ingest.options import IngestOptions
from ingest.publisher import Publisher
from ingest.recorder import FrameRecorder
from ingest.routes import ROUTES, WsRoute, route_streams, ws_base_url
from ingest.staleness import StalenessTracker
from ingest.stats import FrameStats
from ingest.warmup import RestKlines
from runtime import bus
from runtime.clock import Clock, clock_speed, system_clock
from runtime.core import Emit, envelopes
from runtime.heartbeat import heartbeat_envelope
from schemas.commands import ConfigPublished
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Payload
from schemas.feed import FeedConnected, FeedReconnecting
from schemas.market import BookTickerUpdated, KlineUpdated
from schemas.streams import COMMANDS, GROUP_INGEST
from schemas.types import Symbol

MAX_BATCH = 512
TICK_MS = 50
QUIET_REASONS = frozenset({"reply"})  # counted, never logged
RETRY_MS = 500  # Redis unreachable: how often the held batch is tried again
SHED_WHILE_DOWN = frozenset({BookTickerUpdated.TYPE, KlineUpdated.TYPE})


class Ingest:
    """`clock` is the bot's (runtime.clock: the process's, i.e. the wall clock unless LIQFADE_CLOCK_* scale
    it); at its speed against the wall, a wait until clock time T lasts (T - now) / speed."""

    def __init__(self, client: redis.Redis, config: BotConfig, rest_base: str, options: IngestOptions,
                 clock: Clock | None = None) -> None:
        self.redis = client
        self.options = options
        clock = clock or system_clock()
        self.now_ms = clock.now_ms
        self.speed = clock_speed(clock)
        self.config = config
        self.config_version = config.version
        self.symbols = active_symbols(config)
        self.decoder = FrameDecoder()
        self.conflator = BookConflator(options.book_conflate_ms)
        self.stale = StalenessTracker(config.signal.stale_data_seconds * 1000)
        self.stats = FrameStats()
        self.publisher = Publisher(client)
        self.recorder = FrameRecorder(options.record) if options.record else None
        self.rest = RestKlines(rest_base, options.rest_timeout_s)
        ws_base = ws_base_url(rest_base)
        streams = route_streams(self.symbols)
        self.connections = {r: RouteConnection(r, ws_base, streams[r], self, options, self.now_ms) for r in ROUTES}
        self.frames = 0
        self.started_ms = self.now_ms()
        self._session = f"{self.started_ms}/{os.getpid()}"
        self._seq = itertools.count()
        self._flush_handle: asyncio.Handle | None = None
        self._redis_down_since: int | None = None
        self._next_retry = 0
        self.shed = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self.commands = command_consumer(client, self.adopt_config, clock)
        self._resubscriptions: list[tuple[set[Symbol], tuple[Symbol, ...]]] = []  # (old, new) symbols, in order

    # --- hot path ------------------------------------------------------------------------------

    def on_frame(self, route: WsRoute, raw: str | bytes, recv_ts: int) -> None:
        parsed = parse_frame(raw)
        if isinstance(parsed, Skipped):
            self._skipped(parsed, route)
            return
        if self.recorder is not None:
            self.recorder.add(recv_ts, route, parsed.stream or "", parsed.data)
        try:
            event = self.decoder.decode(parsed.data, recv_ts)
        except Exception as exc:  # the decoder maps bad frames to Skipped; this is the net under it
            event = Skipped("decode_error", repr(exc), str(parsed.data)[:300], malformed=True)
        if isinstance(event, Skipped):
            self._skipped(event, route)
            return
        self.frames += 1
        kind = event.kind
        if kind != "liquidation":
            recovered = self.stale.seen(event.symbol, kind, recv_ts)
            if recovered is not None:
                logger.info("{} {} recovered after {} ms", event.symbol, kind, recovered.silent_ms)
                self._feed(recovered, recv_ts)
            if kind == "book":
                held = self.conflator.offer(event, recv_ts)
                if held is None:
                    return
                event = held
        if self._redis_down_since is not None and event.envelope["type"] in SHED_WHILE_DOWN:
            self.shed += 1  # superseded within ms once Redis is back; liquidations and closes are kept
            return
        self.publisher.add_event(event)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._redis_down_since is not None:
            return  # the timer loop retries, at most every RETRY_MS
        if len(self.publisher) >= MAX_BATCH:
            self.flush()
        elif self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_handle = None
        if self.recorder is not None:
            self.recorder.flush()
        try:
            self.publisher.flush()
        except (redis.RedisError, OSError) as exc:
            if self._redis_down_since is None:
                self._redis_down_since = self.now_ms()
                logger.error("Redis unavailable ({}); holding {} events, retrying", exc, len(self.publisher))
            return
        if self._redis_down_since is not None:
            logger.warning("Redis back after {} ms; {} book/forming-kline updates were shed meanwhile",
                           self.now_ms() - self._redis_down_since, self.shed)
            self._redis_down_since = None

    def _skipped(self, skipped: Skipped, route: WsRoute) -> None:
        if self.stats.record(skipped) and skipped.reason not in QUIET_REASONS:
            logger.warning("skipping {} frame on /{} ({}): {}; sample: {} (logged once per kind)",
                           skipped.reason, route, "malformed" if skipped.malformed else "unexpected",
                           skipped.detail, skipped.sample)

    def _feed(self, payload: Payload, now: int) -> None:
        cause = f"feed/{self._session}/{next(self._seq)}"
        for envelope in envelopes([Emit(payload)], source=NAME, cause_id=cause, now=now):
            self.publisher.add_envelope(envelope)
        self._schedule_flush()

    # --- connection callbacks ------------------------------------------------------------------

    async def on_connected(self, route: WsRoute, streams: tuple[str, ...], attempt: int) -> None:
        logger.info("/{} connected (attempt {}): {}", route, attempt, ", ".join(streams))
        self._feed(FeedConnected(route=route, streams=streams, attempt=attempt), self.now_ms())
        if route == "market":
            symbols = sorted({s.split("@")[0].upper() for s in streams if s.endswith("@kline_1m")})
            await self.warm(symbols)

    def on_reconnecting(self, route: WsRoute, attempt: int, delay_ms: int, reason: str) -> None:
        logger.warning("/{} disconnected ({}); reconnect {} in {} ms", route, reason, attempt, delay_ms)
        self._feed(FeedReconnecting(route=route, attempt=attempt, delay_ms=delay_ms, reason=reason[:200]),
                   self.now_ms())

    async def warm(self, symbols: Sequence[str]) -> None:
        """Publish the last `volume_lookback + 1` closed klines of each symbol, before any frame the
        new connection has buffered is read (so they precede newer stream klines)."""
        count = self.config.signal.volume_lookback + 1
        for symbol in symbols:
            try:
                rows = await self.rest.closed_klines(symbol, count)
                recv_ts = self.now_ms()
                events = [self.decoder.kline_from_rest(symbol, row, recv_ts) for row in rows]
            except Exception as exc:  # REST trouble must not stop the stream; the next reconnect retries
                logger.warning("kline warm-up for {} failed: {!r}", symbol, exc)
                continue
            for event in events:
                self.publisher.add_event(event)
            logger.info("warmed {} closed klines of {}", len(events), symbol)
        self.flush()

    # --- timers ------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        self.stale.watch(self.symbols, self.now_ms())
        for conn in self.connections.values():
            self._spawn(conn.run(stop))
        try:
            await self._timers(stop)
        finally:
            await self._shutdown()

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _timers(self, stop: asyncio.Event) -> None:
        o = self.options
        due = dict.fromkeys(("commands", "heartbeat", "trim", "stats"), 0)
        every = {"commands": o.command_poll_ms, "heartbeat": o.heartbeat_ms, "trim": o.trim_every_ms,
                 "stats": o.stats_every_ms}
        while not stop.is_set():
            now = self.now_ms()
            for event in self.conflator.due(now):
                self.publisher.add_event(event)
            for stale in self.stale.check(now):
                logger.warning("{} {} stale: silent for {} ms", stale.symbol, stale.kind, stale.silent_ms)
                self._feed(stale, now)
            for job, at in due.items():
                if now >= at:
                    due[job] = now + every[job]
                    await self._job(job, now)
            if len(self.publisher) and (self._redis_down_since is None or now >= self._next_retry):
                self._next_retry = now + RETRY_MS
                self.flush()
            deadlines = [d for d in (self.conflator.next_deadline(), self.stale.next_deadline()) if d]
            wake = min([now + TICK_MS * self.speed, *deadlines])  # the tick is TICK_MS of wall time
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.001, (wake - self.now_ms()) / 1000 / self.speed))

    async def _job(self, job: str, now: int) -> None:
        try:
            if job == "commands":
                self.commands.poll()
                await self.resubscribe()
            elif job == "heartbeat":
                self.heartbeat(now)
            elif job == "trim":
                for stream in self.publisher.written_streams:
                    bus.trim(self.redis, stream, now, self.options.retention_ms)
            elif job == "stats" and self.stats.counts:
                logger.info("frames decoded {}, skipped {}", self.frames, dict(self.stats.counts))
        except redis.RedisError as exc:
            logger.warning("{} skipped: Redis unavailable ({})", job, exc)

    def heartbeat(self, now: int) -> None:
        lag = bus.group_lag(self.redis, (COMMANDS,), GROUP_INGEST)
        self.publisher.add_envelope(heartbeat_envelope(NAME, self.started_ms, self.frames, lag, now))

    # --- commands ------------------------------------------------------------------------------

    def adopt_config(self, command: ConfigPublished) -> None:
        """A newer config takes effect at once; a change of symbols is queued for `resubscribe`."""
        config = command.config
        if command.version <= self.config_version:
            logger.info("config v{} is not newer than v{}; ignored", command.version, self.config_version)
            return
        old, new = set(self.symbols), active_symbols(config)
        self.config, self.config_version, self.symbols = config, command.version, new
        self.stale.stale_ms = config.signal.stale_data_seconds * 1000
        if old == set(new):
            logger.info("config v{} applied; symbols unchanged", command.version)
            return
        logger.info("config v{}: symbols {} → {}; resubscribing", command.version, sorted(old), list(new))
        self.stale.watch(new, self.now_ms())
        for symbol in old - set(new):
            self.conflator.forget(symbol)
        self._resubscriptions.append((old, new))

    async def resubscribe(self) -> None:
        """Move the live connections to the symbols of each adopted config, in order."""
        while self._resubscriptions:
            old, new = self._resubscriptions.pop(0)
            streams = route_streams(new)
            for route, conn in self.connections.items():
                await conn.set_streams(streams[route])
            added = [s for s in new if s not in old]
            if added and self.connections["market"].connected:
                await self.warm(added)

    async def _shutdown(self) -> None:
        for conn in self.connections.values():
            with contextlib.suppress(Exception):
                await conn.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for event in self.conflator.due(self.now_ms() + self.options.book_conflate_ms):
            self.publisher.add_event(event)
        self.flush()
        if self.recorder is not None:
            self.recorder.close()
        self.publisher.close()
        await self.rest.close()
        logger.info("ingest stopped: {} frames decoded, {} events published, skipped {}", self.frames,
                    self.publisher.published, dict(self.stats.counts))


__all__ = ["Ingest", "MdEvent"]
