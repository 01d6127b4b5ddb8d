"""The Redis floors `liqfade bench e2e` prints next to its latency (bench/bus.py), on a real Redis."""

from __future__ import annotations

from bench.bus import chain_hops, raw_hops


def test_chain_hops_when_run_times_every_message_through_the_three_processes(redis_url: str) -> None:
    samples = chain_hops(redis_url, 5, gap_s=0.01)

    assert len(samples) == 5 and all(s > 0 for s in samples)


def test_raw_hops_when_run_times_every_hop(redis_url: str) -> None:
    samples = raw_hops(redis_url, 20)

    assert len(samples) == 20 and all(s > 0 for s in samples)
