"""`liqfade bench ingest`: decode + publish throughput and frame-to-XADD latency of the real hot path.

Frames are the wire text the simulator sends for the recorded 2025-10-22 CSVs (combined-stream wrapper:
kline updates, book tickers, liquidations). They go through `Ingest.on_frame` exactly as the socket
reader hands them over, and the event loop's scheduled flush does the pipelined XADDs, on one core.
Book conflation is off (every frame becomes an XADD): the worst case.

- throughput: frames handed over in bursts of `--batch` (a backlog being drained), messages/s.
- latency: frames arriving one at a time at `--rate`/s; receive → XADD acknowledged by Redis. Also
  reported: this process's CPU time per frame (its own work, whatever else runs on the machine) and a
  bare Redis PING paced the same way (the round-trip floor of the machine).
Redis is a private redis-server on a free port unless `--redis-url` is given (use a scratch database:
the bench writes `md.*` streams).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import time
from collections.abc import Sequence
from typing import Any, cast

import orjson
import redis
from loguru import logger

from bench.scratch import on_redis
from bench.stats import summary_us
from ingest.options import IngestOptions
from ingest.service import Ingest
from schemas.config import BotConfig
from schemas.registry import FIELD, decode, encode
from simulator import payloads
from simulator.config import DEFAULT_KLINES, DEFAULT_LIQUIDATIONS
from simulator.market import MarketState
from simulator.sources import kline_ticks, load_klines_csv, load_liquidations_csv

TARGET_MSGS_PER_S = 20_000
TARGET_P99_MS = 1.0


def wire_frames(step_ms: int = 1000) -> list[tuple[str, str]]:
    """(route, text) pairs in timeline order, as the simulator would send them."""
    market = MarketState(spread_bps=1.0)
    out: list[tuple[int, str, str]] = []
    for tick in kline_ticks(load_klines_csv(DEFAULT_KLINES), step_ms):
        k = market.apply_kline(tick)
        out.append((tick.ts, "market", _wrap("btcusdt@kline_1m", k)))
        book = market.quote("BTCUSDT", tick.price, tick.ts)
        if book is not None:
            out.append((tick.ts, "public", _wrap("btcusdt@bookTicker", book)))
    for liq in load_liquidations_csv(DEFAULT_LIQUIDATIONS):
        out.append((liq.ts, "market", _wrap(f"{liq.symbol.lower()}@forceOrder", payloads.force_order(liq, liq.ts))))
    out.sort(key=lambda x: x[0])
    return [(route, text) for _, route, text in out]


def _wrap(stream: str, data: dict[str, object]) -> str:
    return orjson.dumps({"stream": stream, "data": data}).decode()


def make_ingest(client: redis.Redis) -> Ingest:
    # Never run: only its hot path (on_frame → Publisher → scheduled flush) is driven here.
    return Ingest(client, BotConfig(), "http://127.0.0.1:9", IngestOptions(book_conflate_ms=0))


async def throughput(ingest: Ingest, frames: Sequence[tuple[str, str]], batch: int) -> tuple[float, list[int]]:
    on_frame = ingest.on_frame
    latencies: list[int] = []
    start = time.perf_counter_ns()
    for i in range(0, len(frames), batch):
        chunk = frames[i:i + batch]
        t0s = []
        for route, text in chunk:
            t0s.append(time.perf_counter_ns())
            on_frame(route, text, time.time_ns() // 1_000_000)  # type: ignore[arg-type]
        await asyncio.sleep(0)  # the reader yields: the scheduled flush runs
        done = time.perf_counter_ns()
        latencies.extend(done - t0 for t0 in t0s)
    elapsed = (time.perf_counter_ns() - start) / 1e9
    return len(frames) / elapsed, latencies


async def paced_latency(ingest: Ingest, frames: Sequence[tuple[str, str]], rate: float) -> tuple[
        list[int], list[int]]:
    """Wall latency per frame, and this thread's CPU time per frame (which excludes time the OS gave
    to other processes, Redis included: the part of the latency that is ingest's own work)."""
    gap = 1.0 / rate
    latencies: list[int] = []
    cpu: list[int] = []
    next_at = time.perf_counter()
    for route, text in frames:
        wait = next_at - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)  # idle in epoll between frames, as the live reader is
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        ingest.on_frame(route, text, time.time_ns() // 1_000_000)  # type: ignore[arg-type]
        await asyncio.sleep(0)
        latencies.append(time.perf_counter_ns() - t0)
        cpu.append(time.thread_time_ns() - c0)
        next_at += gap
    return latencies, cpu


async def ping_floor(client: redis.Redis, n: int, rate: float) -> list[int]:
    """A bare PING paced like the latency run: the floor of any Redis round trip on this machine."""
    gap = 1.0 / rate
    out: list[int] = []
    next_at = time.perf_counter()
    for _ in range(n):
        wait = next_at - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        t0 = time.perf_counter_ns()
        client.ping()
        out.append(time.perf_counter_ns() - t0)
        next_at += gap
    return out


def decode_only_rate(ingest: Ingest, frames: Sequence[tuple[str, str]]) -> float:
    from ingest.decode import parse_frame

    decoder = ingest.decoder
    start = time.perf_counter_ns()
    for _route, text in frames:
        parsed = parse_frame(text)
        if not hasattr(parsed, "reason"):
            orjson.dumps(decoder.decode(parsed.data, 0).envelope)  # type: ignore[union-attr]
    return len(frames) / ((time.perf_counter_ns() - start) / 1e9)


def same_as_pydantic(client: redis.Redis, sample: int = 500) -> bool:
    entries: list[Any] = []
    for stream in ("md.BTCUSDT", "md.ETHUSDT"):
        entries.extend(cast(list[Any], client.xrange(stream, count=sample)))
    return all(encode(decode(fields[FIELD])) == fields[FIELD] for _id, fields in entries)


def run(url: str, n: int, batch: int, latency_n: int, rate: float) -> dict[str, object]:
    client = redis.Redis.from_url(url)
    base = wire_frames()
    frames = [base[i % len(base)] for i in range(n)]
    ingest = make_ingest(client)
    decode_rate = decode_only_rate(ingest, frames[:50_000])
    gc.collect()
    gc.freeze()  # the bench's own 200k-frame list would otherwise be rescanned by every full collection
    rate_out, saturated = asyncio.run(throughput(ingest, frames, batch))
    latencies, cpu = asyncio.run(paced_latency(ingest, frames[:latency_n], rate))
    floor = summary_us(asyncio.run(ping_floor(client, latency_n, rate)), with_max=True)
    paced = summary_us(latencies, with_max=True)
    return {
        "bench": "ingest",
        "frames": n,
        "published": ingest.publisher.published,
        "messages_per_s": round(rate_out),
        "decode_only_messages_per_s": round(decode_rate),
        "batch": batch,
        "latency_us": paced,
        "latency_cpu_us": summary_us(cpu, with_max=True),
        "redis_ping_floor_us": floor,
        "latency_rate_per_s": rate,
        "latency_frames": latency_n,
        "saturated_latency_us": summary_us(saturated, with_max=True),
        "encode_matches_pydantic": same_as_pydantic(client),
        "targets": {"messages_per_s": TARGET_MSGS_PER_S, "p99_ms": TARGET_P99_MS},
        "pass_throughput": rate_out >= TARGET_MSGS_PER_S,
        "pass_latency": paced["p99"] <= TARGET_P99_MS * 1000,
        "python": platform.python_version(),
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--frames", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=64, help="frames per burst in the throughput run")
    parser.add_argument("--latency-frames", type=int, default=5_000)
    parser.add_argument("--rate", type=float, default=2_000.0, help="frames/s in the latency run")
    parser.add_argument("--redis-url", help="a scratch Redis (default: a private redis-server)")
    args = parser.parse_args(list(argv))
    logger.remove()
    result = on_redis(args.redis_url, lambda url: run(url, args.frames, args.batch, args.latency_frames, args.rate))
    result["redis"] = "given" if args.redis_url else "private"
    print(orjson.dumps(result).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))

