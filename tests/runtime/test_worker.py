"""Process start-up helpers: the background processes yield the CPU to the trading path."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from pydantic import ValidationError

from runtime.settings import Settings
from runtime.worker import yield_cpu_to_trading


def niceness_after(background_nice: int) -> int:
    """os.nice is for the whole process and cannot be undone unprivileged: measure it in a child."""
    def child(nice: int, out: multiprocessing.SimpleQueue[int]) -> None:
        before = os.nice(0)
        yield_cpu_to_trading(Settings(background_nice=nice, _env_file=None))
        out.put(os.nice(0) - before)

    context = multiprocessing.get_context("fork")
    out: multiprocessing.SimpleQueue[int] = context.SimpleQueue()
    process = context.Process(target=child, args=(background_nice, out))
    process.start()
    process.join(10)
    return out.get()


def test_yield_cpu_when_background_nice_set_lowers_the_priority_by_it() -> None:
    assert niceness_after(10) == 10


def test_yield_cpu_when_background_nice_zero_leaves_the_priority() -> None:
    assert niceness_after(0) == 0


def test_settings_when_background_nice_out_of_range_refuse_it() -> None:
    with pytest.raises(ValidationError):
        Settings(background_nice=20, _env_file=None)
