"""The governor alone through the replay driver and `liqfade replay`: same input, byte-identical output."""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path

from cli import replay_cmd
from governor.core import make_core
from replay.drivers import ReplayDriver
from schemas.commands import PauseRequested, ResumeRequested
from schemas.envelope import Envelope
from schemas.feed import FeedRecovered, FeedStale
from schemas.registry import encode
from schemas.risk import DailyCountersReset, EntryApproved, Heartbeat, RiskLimitHit, SignalVetoed
from tests.governor.factories import MIN, T0, boot, closed, config, envelope, opened, setup, utc_ms


def session() -> list[Envelope]:
    """A hand-built day: boot, three losing trades (streak pause), a stale feed, commands, midnight."""
    events: list[Envelope] = [envelope(boot(), T0, n=0)]
    n = 1
    for k in range(3):
        at = T0 + k * 10 * MIN
        signal = setup("BTCUSDT" if k % 2 == 0 else "ETHUSDT", ts=at)
        events.append(envelope(signal, at, correlation_id=signal.setup_id, n=n))
        # the executor's answers, built from what the governor will approve (sizes are checked below)
        approved = EntryApproved(
            setup_id=signal.setup_id, symbol=signal.symbol, side=signal.side, qty=1, entry_price=signal.bid,
            stop_price=signal.bid, take_profit_price=signal.bid, equity=1, risk_usdt=0, effective_risk_pct=0,
            margin_usdt=0, leverage=2, tp_pct=0, sl_pct=0, time_stop_seconds=150, entry_fill_timeout_ms=800,
            use_market_if_not_filled=True, config_version=1)
        events.append(envelope(opened(approved, at + 1_000), at + 1_000, correlation_id=signal.setup_id, n=n + 1))
        events.append(envelope(closed(approved, "-2.5", at + 2 * MIN), at + 2 * MIN, signal.setup_id, n=n + 2))
        n += 3
    later = T0 + 40 * MIN
    events += [
        envelope(setup("ETHUSDT", ts=later), later, n=n),  # vetoed: loss-streak pause
        envelope(FeedStale(symbol="ETHUSDT", kind="book", silent_ms=11_000), later + MIN, n=n + 1),
        envelope(FeedRecovered(symbol="ETHUSDT", kind="book", silent_ms=0), later + 2 * MIN, n=n + 2),
        envelope(PauseRequested(idempotency_key="p", actor="ops"), T0 + 3 * 60 * MIN, n=n + 3),
        envelope(ResumeRequested(idempotency_key="r", actor="ops"), T0 + 3 * 60 * MIN + 1, n=n + 4),
        envelope(setup("BTCUSDT", ts=utc_ms("2025-06-02T22:00:05")), utc_ms("2025-06-02T22:00:05"), n=n + 5),
    ]
    return events


def run_once() -> bytes:
    driver = ReplayDriver([make_core(config())])
    inputs = session()
    return b"".join(encode(e) + b"\n" for e in driver.run(inputs, until=inputs[-1].ts + 15 * MIN))


def test_replay_when_run_twice_gives_byte_identical_output() -> None:
    first, second = run_once(), run_once()
    assert first == second
    assert len(first.splitlines()) > 100  # heartbeats every 5 s of virtual time, and the decisions


def test_replay_when_session_runs_decides_as_the_live_core_would() -> None:
    driver = ReplayDriver([make_core(config())])
    inputs = session()
    out = [e.payload for e in driver.run(inputs, until=inputs[-1].ts + 15 * MIN)]
    approvals = [p for p in out if isinstance(p, EntryApproved)]
    # paper equity follows realized PnL: 1350 -> 1347.5 (ETH cap 539 / 3800 = 0.1418 -> 0.141)
    # -> 1345 (BTC cap 538 / 108000 = 0.00498 -> 0.004)
    assert [a.qty for a in approvals][:3] == [Decimal("0.005"), Decimal("0.141"), Decimal("0.004")]
    assert [h.limit for h in out if isinstance(h, RiskLimitHit)] == ["consecutive_losses"]
    assert [v.reason for v in out if isinstance(v, SignalVetoed)] == ["loss_streak_pause"]
    assert [r.day for r in out if isinstance(r, DailyCountersReset)] == ["2025-06-03"]
    beats = [p for p in out if isinstance(p, Heartbeat)]
    assert beats[-1].day == "2025-06-03" and beats[-1].trades_today == 1


def test_liqfade_replay_when_governor_core_chosen_writes_identical_files(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(encode(e) + b"\n" for e in session()))
    outputs = []
    for name in ("a", "b"):
        parser = argparse.ArgumentParser()
        replay_cmd.add_arguments(parser)
        args = parser.parse_args(["--events", str(source), "--out", str(tmp_path / name), "--cores", "governor"])
        assert replay_cmd.run(args) == 0
        outputs.append((tmp_path / name / "events.jsonl").read_bytes())
    assert outputs[0] == outputs[1]
    assert b'"EntryApproved"' in outputs[0]
