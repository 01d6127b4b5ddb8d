"""``python -m simulator`` / ``liqfade simulator``: run the simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import time
from pathlib import Path

from loguru import logger

from exchange.settings import ENGINE_CLIENT_IDS, TRIGGER_ORDERS
from simulator.app import run_simulator
from simulator.clock import anchor_to_epoch, anchored_now_ms
from simulator.config import SimConfig
from simulator.scenarios import resolve_scenario
from simulator.sources import iso_to_ms


def _speed(text: str) -> float:
    if text.lower() in ("max", "0"):
        return 0.0
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("speed must be >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="simulator", description=__doc__)
    p.add_argument("--liquidations", type=Path, help="forceOrder CSV (data/market format)")
    p.add_argument("--klines", type=Path, help="1m klines CSV (Binance public-data format)")
    p.add_argument("--recording", type=Path, action="append", default=[], help="JSONL raw-frame recording")
    p.add_argument("--scenario", help="scenario JSON/YAML file, or a bundled name (long_flush_tp, ...)")
    p.add_argument(
        "--speed", type=_speed, default=1.0, help="playback speed factor; 0 or 'max' = as fast as possible"
    )
    p.add_argument("--start", help="virtual start time, ISO (UTC if no zone)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8799)
    p.add_argument("--spread-bps", type=float, default=1.0, help="synthesized book spread (bps)")
    p.add_argument(
        "--kline-step-ms", type=int, default=250, help="virtual ms between intra-minute kline updates"
    )
    p.add_argument("--loop", action="store_true", help="replay the data again (shifted in time) when it ends")
    p.add_argument(
        "--live-at",
        type=float,
        metavar="SECONDS",
        help="with --scenario: play in wall-clock time from about the scenario's second SECONDS (bars before it "
        "are history served by REST; the scenario start is floored to the minute, so what plays now is second "
        "SECONDS to SECONDS+59); exchange times then match this machine's clock, as the bot expects",
    )
    p.add_argument("--paused", action="store_true", help="wait for POST /_sim/play before playing")
    p.add_argument(
        "--clock-wall-ms",
        type=int,
        metavar="EPOCH_MS",
        help="share the bot's scaled clock (LIQFADE_CLOCK_WALL_MS): exchange time is --clock-origin-ms at this "
        "wall epoch ms and runs at --speed from there; with --live-at, what plays then is the scenario's "
        "second SECONDS at that time",
    )
    p.add_argument("--clock-origin-ms", type=int, metavar="EPOCH_MS",
                   help="with --clock-wall-ms: the exchange time at that instant (LIQFADE_CLOCK_ORIGIN_MS)")
    p.add_argument("--trigger-order", choices=TRIGGER_ORDERS,
                   help="the pushes of a triggered stop: TRIGGERED before the fill, after it, or after FINISHED "
                   "(default: the scenario's, else fill_first)")
    p.add_argument("--engine-client-id", choices=ENGINE_CLIENT_IDS,
                   help="the triggered stop's engine order carries our clientAlgoId (ours) or an id the exchange "
                   "makes up (own); default: the scenario's, else ours")
    return p


def config_from_args(argv: list[str] | None) -> SimConfig:
    a = build_parser().parse_args(argv)
    scenario_start = start = None
    if a.clock_wall_ms is not None:
        if a.speed <= 0:
            raise SystemExit("--clock-wall-ms needs a --speed > 0")
        origin = a.clock_origin_ms if a.clock_origin_ms is not None else a.clock_wall_ms
        anchor_to_epoch(origin, a.clock_wall_ms)
        start = int(anchored_now_ms(a.speed))
        if a.live_at is not None:
            scenario_start = start - round(a.live_at * 1000)
    elif a.live_at is not None:
        now = int(time.time() * 1000)
        scenario_start, start = now - round(a.live_at * 1000), now
        a.speed = 1.0
    return SimConfig(
        host=a.host,
        port=a.port,
        liquidations_csv=a.liquidations,
        klines_csv=a.klines,
        recordings=tuple(a.recording),
        scenario=resolve_scenario(a.scenario) if a.scenario else None,
        speed=a.speed,
        start_ms=start if start is not None else (iso_to_ms(a.start) if a.start else None),
        scenario_start_ms=scenario_start,
        spread_bps=a.spread_bps,
        loop=a.loop,
        autoplay=not a.paused,
        kline_step_ms=a.kline_step_ms,
        trigger_order=a.trigger_order,
        engine_client_id=a.engine_client_id,
    )


async def _serve(config: SimConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with run_simulator(config):
        await stop.wait()
    logger.info("simulator stopped")


def main(argv: list[str] | None = None) -> int:
    try:
        config = config_from_args(argv)
    except FileNotFoundError as exc:
        logger.error("scenario not found: {}", exc)
        return 2
    asyncio.run(_serve(config))
    return 0
