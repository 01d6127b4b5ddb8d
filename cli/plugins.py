"""Where each subcommand's code lives, imported only when that subcommand runs."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

# `liqfade run <worker>`: a function `main() -> int` that runs the process until SIGTERM.
WORKERS: dict[str, str] = {
    "ingest": "ingest.runner:main",
    "strategy": "strategy.runner:main",
    "governor": "governor.runner:main",
    "executor": "executor.runner:main",
    "projector": "projector.runner:main",
    "notifier": "notifier.runner:main",
    "api": "api.main:serve",
}

# Cores that `liqfade replay` can run: `make_core(config: BotConfig) -> Core`.
CORES: dict[str, str] = {
    "strategy": "strategy.core:make_core",
    "governor": "governor.core:make_core",
    "executor": "executor.core:make_core",
}

# `liqfade bench <name> [args]`: a function `main(argv: list[str]) -> int` that prints JSON.
BENCHES: dict[str, str] = {
    "bus": "bench.bus:main",
    "ingest": "bench.ingest:main",
    "strategy": "bench.strategy:main",
    "execution": "bench.execution:main",
    "api": "bench.api:main",
    "e2e": "bench.e2e:main",
    "memory": "bench.memory:main",
    "retention": "bench.retention:main",
}


def load(target: str) -> Any:
    """Import "package.module:attribute"."""
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def available(table: dict[str, str]) -> dict[str, str]:
    """The entries whose module exists in this build."""
    found = {}
    for name, target in table.items():
        try:
            spec = importlib.util.find_spec(target.partition(":")[0])
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            found[name] = target
    return found
