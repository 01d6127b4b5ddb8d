"""The cores a replay runs, by name, from the plug-in table (cli/plugins.py: only those built)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cli import plugins
from runtime.core import Core
from schemas.config import BotConfig
from schemas.envelope import Envelope

# A core built as a recorded session ran it (from what the record says), or None when the record does not say.
RecordedCore = Callable[[BotConfig, Sequence[Envelope]], Core[Any] | None]


def unknown_cores(names: Sequence[str]) -> str | None:
    """Why `names` cannot all be built (None: they can)."""
    built = plugins.available(plugins.CORES)
    unknown = [n for n in names if n not in built]
    if unknown:
        return f"unknown or unbuilt cores: {', '.join(unknown)} (available: {', '.join(built)})"
    return None


def make_cores(names: Sequence[str], config: BotConfig) -> list[Core[Any]]:
    """The named cores (every core built when none is named). SystemExit naming an unknown one."""
    built = plugins.available(plugins.CORES)
    chosen = list(names) or list(built)
    problem = unknown_cores(chosen)
    if problem is not None:
        raise SystemExit(problem)
    return [plugins.load(built[name])(config) for name in chosen]
