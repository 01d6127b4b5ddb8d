"""E2E fixtures: a `harness` factory whose logs are kept (and their tails printed) when a test fails."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from schemas.config import BotConfig
from tests.e2e.exchange import ExchangeRecorder
from tests.e2e.harness import ROOT, Harness

KEPT_LOGS = ROOT / ".run" / "e2e-logs"
HarnessFactory = Callable[..., Harness]
LiveFactory = Callable[..., tuple[Harness, ExchangeRecorder]]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HarnessFactory]:
    started: list[Harness] = []

    def make(scenario: str, config: BotConfig, live_at: float, **kwargs: Any) -> Harness:
        path = ROOT / "simulator" / "scenarios" / f"{scenario}.json"
        h = Harness(tmp_path / f"h{len(started)}", path, live_at, config, **kwargs)
        started.append(h)
        return h.start()

    yield make
    for h in started:
        h.stop()
    if request.node.stash.get(FAILED, True):
        dest = KEPT_LOGS / request.node.name
        shutil.rmtree(dest, ignore_errors=True)
        for h in started:
            shutil.copytree(h.logs, dest / h.workdir.name, dirs_exist_ok=True)
        print(f"\nlogs kept in {dest}")
        for log in sorted(dest.glob("*/*.log")):
            print(f"--- {log.name} (tail) ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))


@pytest.fixture
def live(harness: HarnessFactory) -> Iterator[LiveFactory]:
    """A live session (TRADING_MODE=live against the simulator) and the exchange's own record of it."""
    recorders: list[ExchangeRecorder] = []

    def make(scenario: str, config: BotConfig | None = None, **kwargs: Any) -> tuple[Harness, ExchangeRecorder]:
        from tests.e2e.make_scenarios import LIVE_AT
        from tests.e2e.test_scenarios import CONFIG

        h = harness(scenario, config or CONFIG, LIVE_AT, mode="live", **kwargs)
        recorder = ExchangeRecorder(h.sim_url)
        recorder.start()
        recorders.append(recorder)
        return h, recorder

    yield make
    for recorder in recorders:
        recorder.stop()

