"""Percentiles for benchmark output."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def summary_us(samples_ns: Sequence[int], *, with_max: bool = False) -> dict[str, float]:
    values = sorted(samples_ns)
    out = {"p50": round(percentile(values, 50) / 1000, 1), "p99": round(percentile(values, 99) / 1000, 1)}
    if with_max:
        out["max"] = round(values[-1] / 1000, 1) if values else float("nan")
    return out
