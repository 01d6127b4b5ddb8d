"""End to end: the recorded 2025-10-22 CSVs played by the simulator at max speed → the real ingest
process → real Redis. Every liquidation row lands exactly once, every kline lands, and `--record`
writes frames the simulator can play back into the same events."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import redis

from schemas.market import KlineClosed, LiquidationObserved
from simulator.app import SimulatorThread
from simulator.config import SimConfig
from simulator.recording import read_recording
from simulator.sources import iso_to_ms
from tests.ingest.harness import IngestProcess, read_stream, sim_post, sim_state, store_config, wait_until

DATA = Path(__file__).resolve().parents[2] / "data" / "market"
LIQ_CSV = DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
KLINE_CSV = DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"
SYMBOLS = ("BTCUSDT", "ETHUSDT")


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def liquidations(client: redis.Redis) -> list[tuple[str, LiquidationObserved]]:
    out = []
    for symbol in SYMBOLS:
        for env in read_stream(client, f"md.{symbol}"):
            if isinstance(env.payload, LiquidationObserved):
                out.append((env.id, env.payload))
    return out


def play_through_ingest(client: redis.Redis, redis_url: str, config: SimConfig, tmp_path: Path,
                        record: Path | None = None) -> str:
    """Start the simulator paused, start ingest, wait for its subscriptions, play to the end, wait for
    ingest to publish every liquidation and closed kline the simulator sent; return ingest's log."""
    args = ["--record", str(record)] if record else []
    with SimulatorThread(config) as sim, IngestProcess(redis_url, sim.base_url, args,
                                                       tmp_path / "ingest.log") as ingest:
        def subscribed() -> bool:
            routes = sim_state(sim.base_url)["routes"]
            return bool(len(routes["market"]["subscriptions"]) + len(routes["public"]["subscriptions"]) == 6)

        wait_until(subscribed, 30, "ingest to subscribe")
        sim_post(sim.base_url, "/_sim/play")
        wait_until(lambda: sim_state(sim.base_url)["playback"]["finished"], 60, "playback to finish")
        played = sim_state(sim.base_url)["playback"]

        def caught_up() -> bool:
            closed = sum(1 for e in read_stream(client, "md.BTCUSDT") if isinstance(e.payload, KlineClosed))
            return len(liquidations(client)) >= int(played["liquidations"]) and closed >= int(played["klines_closed"])

        wait_until(caught_up, 30, "ingest to publish everything", every=0.2)
        assert ingest.alive()
    assert ingest.returncode == 0, ingest.log_text()[-3000:]
    return ingest.log_text()


def test_ingest_when_recorded_day_played_at_max_speed_publishes_every_liquidation_once_and_every_kline(
        redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> None:
    store_config(redis_client, SYMBOLS)
    config = SimConfig(port=0, speed=0, autoplay=False, kline_step_ms=1000)

    log = play_through_ingest(redis_client, redis_url, config, tmp_path)

    rows = csv_rows(LIQ_CSV)
    got = liquidations(redis_client)
    assert len(got) == len(rows) == 207
    assert len({event_id for event_id, _ in got}) == len(got)  # exactly once
    expected = Counter((r["symbol"], iso_to_ms(r["timestamp"]), r["side"], Decimal(r["avg_price"]),
                        Decimal(r["filled_qty"])) for r in rows)
    assert Counter((p.symbol, p.trade_time, p.side, p.avg_price, p.qty) for _, p in got) == expected
    usd_by_key = {(r["symbol"], iso_to_ms(r["timestamp"]), r["side"]): float(r["usd_value"]) for r in rows}
    for _, p in got:
        assert p.usd_value == p.avg_price * p.qty
        assert abs(float(p.usd_value) - usd_by_key[(p.symbol, p.trade_time, p.side)]) <= 1e-9 * float(p.usd_value)
        assert p.price == p.avg_price  # the CSV kept only ap; the simulator sends p = ap
    assert Counter(p.symbol for _, p in got) == {"BTCUSDT": 77, "ETHUSDT": 130}
    assert Counter(p.side for _, p in got if p.symbol == "BTCUSDT") == {"SELL": 65, "BUY": 12}

    klines = [(e, e.payload) for e in read_stream(redis_client, "md.BTCUSDT") if isinstance(e.payload, KlineClosed)]
    by_open = {k.open_time: e for e, k in klines}
    assert len(klines) == len(by_open) == 407
    for row in csv_rows(KLINE_CSV):
        env = by_open[int(row["open_time"])]
        k = env.payload
        assert isinstance(k, KlineClosed)
        assert (k.open, k.high, k.low, k.close, k.volume, k.quote_volume, k.trades) == (
            Decimal(row["open"]), Decimal(row["high"]), Decimal(row["low"]), Decimal(row["close"]),
            Decimal(row["volume"]), Decimal(row["quote_volume"]), int(row["count"]))
        assert env.ts == k.close_time == int(row["close_time"]) and env.recv_ts is not None
    assert "skipping" not in log


def test_ingest_when_recording_played_back_by_simulator_gives_same_liquidations(
        redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> None:
    store_config(redis_client, SYMBOLS)
    recording = tmp_path / "frames.jsonl"
    play_through_ingest(redis_client, redis_url, SimConfig(port=0, speed=0, autoplay=False,
                                                           kline_step_ms=15_000), tmp_path, recording)
    first = sorted(event_id for event_id, _ in liquidations(redis_client))
    frames = list(read_recording(recording))
    assert Counter(f.data["e"] for f in frames)["forceOrder"] == 207
    assert {f.route for f in frames if f.data["e"] == "bookTicker"} == {"public"}
    redis_client.flushdb()
    store_config(redis_client, SYMBOLS)

    replay = SimConfig(port=0, speed=0, autoplay=False, recordings=(recording,))
    play_through_ingest(redis_client, redis_url, replay, tmp_path)

    assert sorted(event_id for event_id, _ in liquidations(redis_client)) == first
