"""The paper venue against outputs recorded before the real-account work (tests/golden/README.md).

What may differ, on purpose, and nothing else:
- new payload fields (listed in NEW_FIELDS): every recorded field keeps its recorded value;
- the paper boot report gained the `mode` check (config.mode against TRADING_MODE) before the others.
Ids, types, order, timestamps and every recorded value (prices, quantities, fees, PnL) are the same.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from cli.main import main as liqfade

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "paper_amplified"
LIQS = ROOT / "data" / "market" / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
NEW_FIELDS = {
    # the commission as charged and its asset, the exchange's realized PnL and trade id (issue: money as the
    # exchange books it)
    "OrderFilled": {"fee", "fee_asset", "realized_pnl", "trade_id"},
    "PositionClosed": {"funding_usdt", "fees_by_asset"},
    # every exchangeInfo filter (MARKET_LOT_SIZE, PERCENT_PRICE, bounds, status)
    "BootChecksCompleted": {"status", "min_price", "max_price", "max_qty", "market_step_size", "market_min_qty",
                            "market_max_qty", "percent_up", "percent_down"},
}


def same_recorded_fields(old: Any, new: Any, allowed: set[str], where: str) -> list[str]:
    """Every field of `old` has the same value in `new`; `new` adds only `allowed` fields."""
    if isinstance(old, dict) and isinstance(new, dict):
        problems = [f"{where}.{k}: new field" for k in new if k not in old and k not in allowed]
        problems += [f"{where}.{k}: missing" for k in old if k not in new]
        for k in old:
            if k in new:
                problems += same_recorded_fields(old[k], new[k], allowed, f"{where}.{k}")
        return problems
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [p for i, (a, b) in enumerate(zip(old, new, strict=True))
                for p in same_recorded_fields(a, b, allowed, f"{where}[{i}]")]
    return [] if old == new else [f"{where}: {old!r} became {new!r}"]


def test_paper_replay_when_run_again_gives_the_recorded_decisions(tmp_path: Path) -> None:
    assert liqfade(["replay", "--liquidations", str(LIQS),
                    "--klines", str(GOLDEN / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"),
                    "--config", str(GOLDEN / "config.json"), "--out", str(tmp_path)]) == 0
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    decisions = [json.loads(line) for line in lines if '"type":"Heartbeat"' not in line]
    expected = [json.loads(line) for line in (GOLDEN / "expected_decisions.jsonl").read_text().splitlines()]
    assert [(e["id"], e["type"]) for e in decisions] == [(e["id"], e["type"]) for e in expected]
    problems: list[str] = []
    for old, new in zip(expected, decisions, strict=True):
        if old["type"] == "BootChecksCompleted":
            new_checks = {c["name"]: c for c in new["payload"]["checks"]}
            assert new["payload"]["checks"][0]["name"] == "mode" and new_checks["mode"]["ok"]
            new = {**new, "payload": {**new["payload"], "checks": [new_checks[c["name"]]
                                                                   for c in old["payload"]["checks"]]}}
        problems += same_recorded_fields(old, new, NEW_FIELDS.get(old["type"], set()), old["type"])
    assert not problems, "\n".join(problems[:20])
    beats = "".join(f"{line}\n" for line in lines if '"type":"Heartbeat"' in line)
    assert hashlib.sha256(beats.encode()).hexdigest() == (GOLDEN / "expected_heartbeats.sha256").read_text().strip()
