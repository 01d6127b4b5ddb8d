"""`liqfade bench bus`: the raw Redis hop floor against a core consumer's hop, in one run.

raw hop: XADD by a producer → XREADGROUP returns in a blocked reader (the floor of any bus hop).
consumer hop: XADD of an input → the core consumer has decided and committed its output (one MULTI/EXEC
with snapshot and ack). stage: XADD of an input → a downstream reader receives the consumer's output.
Each sample is one event in flight at a time (ping-pong), so the figures are latency, not queueing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import orjson
from loguru import logger

from bench.scratch import on_redis
from bench.stats import summary_us
from runtime import bus
from runtime.core import Decision, Emit, envelopes
from runtime.core_handler import CoreConsumer
from schemas.envelope import Envelope, Payload
from schemas.registry import FIELD, decode, encode, event

RAW, IN, OUT = "bench.raw", "bench.in", "bench.out"


@event(IN)
class BenchPing(Payload):
    t0_ns: int


@event(OUT)
class BenchPong(Payload):
    t0_ns: int


@dataclass(frozen=True)
class EchoState:
    count: int = 0


class EchoCore:
    name = "bench-echo"
    inputs = (IN,)

    def initial_state(self) -> EchoState:
        return EchoState()

    def decide(self, state: EchoState, event: Envelope, now: int) -> Decision[EchoState]:
        assert isinstance(event.payload, BenchPing)
        return Decision(EchoState(state.count + 1), [Emit(BenchPong(t0_ns=event.payload.t0_ns))])

    def on_timer(self, state: EchoState, now: int) -> Decision[EchoState]:
        return Decision(state)

    def next_deadline(self, state: EchoState) -> int | None:
        return None

    def snapshot(self, state: EchoState) -> bytes:
        return orjson.dumps(state.count)

    def restore(self, raw: bytes) -> EchoState:
        return EchoState(int(orjson.loads(raw)))


def ping(n: int, t0_ns: int) -> bytes:
    return encode(envelopes([Emit(BenchPing(t0_ns=t0_ns))], source="bench", cause_id=f"ping{n}", now=0)[0])


def t0_of(reply: list[tuple[str, list[bus.RawMessage]]]) -> int:
    payload = decode(reply[0][1][0][1][FIELD]).payload
    assert isinstance(payload, BenchPing | BenchPong)
    return payload.t0_ns


def raw_hops(url: str, n: int) -> list[int]:
    producer, consumer = bus.connect(url), bus.connect(url)
    bus.ensure_group(producer, RAW, "bench")
    samples: list[int] = []
    received = threading.Event()

    def consume() -> None:
        while len(samples) < n:
            reply = bus.read_group(consumer, "bench", "c", {RAW: ">"}, count=1, block=1000)
            if not reply:
                continue
            t1 = time.perf_counter_ns()
            samples.append(t1 - t0_of(reply))
            received.set()

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    for i in range(n):
        received.clear()
        producer.xadd(RAW, {FIELD: ping(i, time.perf_counter_ns())})
        received.wait(5)
    thread.join(5)
    return samples


def relay(url: str, source: str, target: str | None, n: int, results: Connection) -> None:
    """One process of a relay chain: XREADGROUP each entry of `source` and XADD it unchanged to `target`;
    the last one (no target) times each arrival against the stamp the producer put in it."""
    client = bus.connect(url)
    seen, arrivals = 0, []
    while seen < n:
        for _stream, entries in bus.read_group(client, "relay", "r", {source: ">"}, count=1, block=1000):
            for _id, fields in entries:
                seen += 1
                if target is not None:
                    client.xadd(target, {b"t0": fields[b"t0"]})
                else:
                    arrivals.append(time.perf_counter_ns() - int(fields[b"t0"]))
    if target is None:
        results.send(arrivals)


def chain_hops(url: str, n: int, hops: int = 3, gap_s: float = 0.05) -> list[int]:
    """`hops` raw Redis hops through a chain of separate processes (as ingest → strategy → governor →
    executor), one message at a time, `gap_s` apart: each process is idle when its message comes, as the
    workers are when a trigger comes. On a VM, waking an idle process costs more than a hop in a busy
    ping-pong (here ~600 µs against ~210 µs a hop), so this is the floor a trigger can be held to."""
    streams = [f"bench.chain.{i}" for i in range(hops)]
    producer = bus.connect(url)
    producer.delete(*streams)
    for stream in streams:  # every group exists before a relay reads it
        bus.ensure_group(producer, stream, "relay")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    workers = [context.Process(target=relay, args=(url, streams[i], streams[i + 1] if i + 1 < hops else None, n,
                                                   sender), daemon=True) for i in range(hops)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    for _ in range(n):
        producer.xadd(streams[0], {b"t0": str(time.perf_counter_ns())})
        time.sleep(gap_s)
    samples: list[int] = receiver.recv() if receiver.poll(30) else []
    for worker in workers:
        worker.join(10)
    producer.delete(*streams)
    return samples


def serve_consumer(url: str, n: int, results: Connection) -> None:
    """In its own process, like a real worker: run the echo core, time each commit, send the samples back."""
    hops: list[int] = []
    stop = threading.Event()

    def on_commit(_event: Envelope | None, outputs: Sequence[Envelope]) -> None:
        t1 = time.perf_counter_ns()  # CLOCK_MONOTONIC: comparable across processes on one machine
        for output in outputs:
            if isinstance(output.payload, BenchPong):
                hops.append(t1 - output.payload.t0_ns)
                if len(hops) >= n:
                    stop.set()

    logger.remove()
    CoreConsumer(EchoCore(), bus.connect(url), on_commit=on_commit, heartbeat_ms=None).run(stop)
    results.send(hops)


def consumer_hops(url: str, n: int) -> tuple[list[int], list[int]]:
    producer, downstream = bus.connect(url), bus.connect(url)
    bus.ensure_group(downstream, OUT, "bench")
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    worker = multiprocessing.get_context("fork").Process(target=serve_consumer, args=(url, n, sender), daemon=True)
    worker.start()
    stages: list[int] = []
    for i in range(n):
        producer.xadd(IN, {FIELD: ping(i, time.perf_counter_ns())})
        while True:
            reply = bus.read_group(downstream, "bench", "d", {OUT: ">"}, count=1, block=5000)
            if reply:
                break
        t2 = time.perf_counter_ns()
        stages.append(t2 - t0_of(reply))
    hops: list[int] = receiver.recv() if receiver.poll(30) else []
    worker.join(10)
    return hops, stages


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="liqfade bench bus")
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--redis-url", default="", help="a scratch Redis (default: a private redis-server)")
    args = parser.parse_args(argv)
    logger.remove()
    return on_redis(args.redis_url, lambda url: measure(url, args.n))


def measure(url: str, n: int) -> int:
    client = bus.connect(url)
    client.delete(RAW, IN, OUT, "liqfade:state:bench-echo")
    try:
        raw = raw_hops(url, n)
        hops, stages = consumer_hops(url, n)
    finally:
        client.delete(RAW, IN, OUT, "liqfade:state:bench-echo")
    result = {"raw_hop_us": summary_us(raw), "consumer_hop_us": summary_us(hops), "stage_us": summary_us(stages),
              "n": min(len(raw), len(hops))}
    print(orjson.dumps(result).decode())
    return 0
