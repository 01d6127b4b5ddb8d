"""The paper venue against outputs recorded before the real-account work (tests/golden/README.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cli.main import main as liqfade

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "paper_amplified"
LIQS = ROOT / "data" / "market" / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"


def test_paper_replay_when_run_again_gives_the_recorded_decisions_byte_for_byte(tmp_path: Path) -> None:
    assert liqfade(["replay", "--liquidations", str(LIQS),
                    "--klines", str(GOLDEN / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"),
                    "--config", str(GOLDEN / "config.json"), "--out", str(tmp_path)]) == 0
    raw = (tmp_path / "events.jsonl").read_bytes()
    decisions = [line for line in raw.decode().splitlines() if '"type":"Heartbeat"' not in line]
    expected = (GOLDEN / "expected_decisions.jsonl").read_text().splitlines()
    assert decisions == expected
    assert hashlib.sha256(raw).hexdigest() == (GOLDEN / "expected_events.sha256").read_text().strip()
