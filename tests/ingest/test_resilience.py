"""Resilience: the simulator drops every connection five times in a row, then goes silent for 15 s.
Ingest (the real process) keeps running, reconnects with growing delays, re-warms klines with the same
ids, reports FeedStale then FeedRecovered, and loses no liquidation that was sent while connected."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson
import redis

from schemas.feed import FeedConnected, FeedReconnecting, FeedRecovered, FeedStale
from schemas.market import KlineClosed, LiquidationObserved
from simulator.app import RunningSimulator, SimulatorThread
from simulator.config import SimConfig
from simulator.sources import iso_to_ms
from tests.ingest.harness import IngestProcess, read_stream, sim_post, sim_state, store_config, wait_until

START = "2025-10-22T12:00:00"
HISTORY_BARS = 3  # closed before playback starts: served by REST only, so every reconnect re-warms them
DROPS = 5
SILENCE_S = 15


def scenario(path: Path) -> Path:
    bars = [["108000.0", "108020.0", "107950.0", "107990.0", "110.5"]] * 8
    path.write_bytes(orjson.dumps({
        "description": "liquidations every second from minute 3 on",
        "start": START,
        "klines": {"BTCUSDT": bars},
        "liquidations": [{"at_s": 180, "symbol": "BTCUSDT", "side": "SELL", "burst": {
            "duration_s": 200, "every_ms": 500, "qty": "0.010", "price_from": "108000.0",
            "price_to": "107800.0"}}],
    }))
    return path


def spy_liquidations(sim: RunningSimulator) -> list[dict[str, Any]]:
    """Record every forceOrder the simulator hands to at least one subscribed, unsilenced connection."""
    sent: list[dict[str, Any]] = []
    lock = threading.Lock()
    publish = sim.sim.hub.publish

    def spy(name: str, payload: dict[str, Any]) -> int:
        receivers = publish(name, payload)
        if receivers and payload.get("e") == "forceOrder":
            with lock:
                sent.append(payload)
        return receivers

    sim.sim.hub.publish = spy  # type: ignore[method-assign]  # an observer; behaviour unchanged
    return sent


def both_connected(base_url: str) -> bool:
    routes = sim_state(base_url)["routes"]
    return bool(routes["market"]["connections"] == 1 and routes["public"]["connections"] == 1)


def between_pushes(base_url: str) -> bool:
    # liquidation snapshots go out on whole virtual seconds; dropping mid-second keeps none in flight
    return 300 <= int(sim_state(base_url)["now_ms"]) % 1000 <= 700


def connects(client: redis.Redis) -> dict[str, int]:
    return dict(Counter(p.route for p in feed(client) if isinstance(p, FeedConnected)))


def feed(client: redis.Redis) -> list[Any]:
    return [e.payload for e in read_stream(client, "feed")]


def test_ingest_when_connections_dropped_five_times_and_feed_silent_recovers_without_losing_liquidations(
        redis_url: str, redis_client: redis.Redis, tmp_path: Path) -> None:
    store_config(redis_client, ("BTCUSDT",), stale_data_seconds=2)
    start_ms = iso_to_ms(START) + HISTORY_BARS * 60_000
    config = SimConfig(port=0, speed=1, autoplay=False, scenario=scenario(tmp_path / "drops.json"),
                       start_ms=start_ms)
    args = ["--backoff-base-ms", "200", "--backoff-cap-ms", "3000", "--stable-after-s", "10"]

    with SimulatorThread(config) as sim, IngestProcess(redis_url, sim.base_url, args,
                                                       tmp_path / "ingest.log") as ingest:
        sent = spy_liquidations(sim)
        wait_until(lambda: both_connected(sim.base_url), 30, "ingest to connect")
        sim_post(sim.base_url, "/_sim/play")
        for drop in range(DROPS + 1):
            # ingest says both routes are (re)connected, and the simulator has no other connection
            expected = {"market": drop + 1, "public": drop + 1}
            wait_until(lambda e=expected: connects(redis_client) == e and both_connected(sim.base_url),  # type: ignore[misc]
                       30, f"connection {drop + 1}")
            if drop == DROPS:
                break
            wait_until(lambda: between_pushes(sim.base_url), 5, "mid-second", every=0.01)
            assert sim_post(sim.base_url, "/_sim/fault", {"action": "drop_connections"})["affected"] == 2
        wait_until(lambda: between_pushes(sim.base_url), 5, "mid-second", every=0.01)
        # the book may legitimately have gone stale already while /public waited to reconnect
        wait_until(lambda: stale_and_recovered(feed(redis_client)) == set(),
                   10, "earlier stale streams to recover")
        silence_from = len(feed(redis_client))
        sim_post(sim.base_url, "/_sim/fault", {"action": "silence", "route": "all", "seconds": SILENCE_S})
        wait_until(lambda: stale_kinds(feed(redis_client)[silence_from:]) == {"book", "kline"}, 10, "FeedStale")
        sent_before_recovery = len(sent)
        wait_until(lambda: recovered_kinds(feed(redis_client)[silence_from:]) == {"book", "kline"},
                   SILENCE_S + 10, "FeedRecovered", every=0.2)
        wait_until(lambda: len(sent) >= sent_before_recovery + 3, 10, "liquidations after the silence")
        assert ingest.alive()
        sent_snapshot = list(sent)
        wait_until(lambda: {p["o"]["T"] for p in sent_snapshot} <= liquidation_times(redis_client), 10,
                   "ingest to publish what was sent")
    assert ingest.returncode == 0, ingest.log_text()[-3000:]

    events = feed(redis_client)
    reconnecting: dict[str, list[FeedReconnecting]] = defaultdict(list)
    for p in events:
        if isinstance(p, FeedReconnecting):
            reconnecting[p.route].append(p)
    for route in ("market", "public"):
        attempts = reconnecting[route]
        assert [p.attempt for p in attempts] == list(range(1, DROPS + 1)), attempts
        delays = [p.delay_ms for p in attempts]
        # equal jitter: attempt n waits between half and all of min(cap, base * 2^(n-1)); the ceilings grow
        ceilings = [min(3000, 200 * 2 ** (n - 1)) for n in range(1, DROPS + 1)]
        assert all(c // 2 <= d <= c for d, c in zip(delays, ceilings, strict=True)), (delays, ceilings)
        assert delays[-1] > delays[0], delays
        assert sum(isinstance(p, FeedConnected) and p.route == route for p in events) == DROPS + 1

    during = events[silence_from:]
    stale = [p for p in during if isinstance(p, FeedStale)]
    recovered = [p for p in during if isinstance(p, FeedRecovered)]
    assert sorted((p.symbol, p.kind) for p in stale) == [("BTCUSDT", "book"), ("BTCUSDT", "kline")]
    assert sorted((p.symbol, p.kind) for p in recovered) == [("BTCUSDT", "book"), ("BTCUSDT", "kline")]
    assert all(p.silent_ms > 2_000 for p in stale + recovered)
    assert min(during.index(p) for p in recovered) > max(during.index(p) for p in stale)

    md = read_stream(redis_client, "md.BTCUSDT")
    liq_ids = [e.id for e in md if isinstance(e.payload, LiquidationObserved)]
    assert len(liq_ids) == len(set(liq_ids))  # none twice
    assert {p["o"]["T"] for p in sent_snapshot} <= liquidation_times(redis_client)  # none lost
    assert len(sent_snapshot) >= 3  # at least the three awaited after the silence

    closed = Counter(e.id for e in md if isinstance(e.payload, KlineClosed))
    warmed = {e.payload.open_time for e in md if isinstance(e.payload, KlineClosed)
              and e.payload.close_time < start_ms}
    assert len(warmed) == HISTORY_BARS
    assert sum(n for n in closed.values() if n == DROPS + 1) >= HISTORY_BARS  # re-warmed on each connect


def stale_kinds(events: list[Any]) -> set[str]:
    return {p.kind for p in events if isinstance(p, FeedStale)}


def recovered_kinds(events: list[Any]) -> set[str]:
    return {p.kind for p in events if isinstance(p, FeedRecovered)}


def stale_and_recovered(events: list[Any]) -> set[str]:
    """Kinds whose latest feed event is FeedStale (still stale)."""
    latest: dict[str, Any] = {}
    for p in events:
        if isinstance(p, FeedStale | FeedRecovered):
            latest[p.kind] = p
    return {kind for kind, p in latest.items() if isinstance(p, FeedStale)}


def liquidation_times(client: redis.Redis) -> set[int]:
    return {e.payload.trade_time for e in read_stream(client, "md.BTCUSDT")
            if isinstance(e.payload, LiquidationObserved)}
