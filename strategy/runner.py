"""`liqfade run strategy`: the strategy core behind the shared consumer (I/O only)."""

from __future__ import annotations

from runtime.worker import run_core
from strategy.core import make_core


def main() -> int:
    return run_core("strategy", make_core)
