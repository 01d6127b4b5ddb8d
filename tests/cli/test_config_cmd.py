"""`liqfade config validate`: exit 0 with a summary, or exit 2 with one line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from cli.main import main
from tests.schemas.test_config import DEFAULT, with_change

ROOT = Path(__file__).resolve().parents[2]


def validate(tmp_path: Path, raw: bytes, *extra: str) -> tuple[int, str, str]:
    file = tmp_path / "config.json"
    file.write_bytes(raw)
    done = subprocess.run([sys.executable, "-m", "cli.main", "config", "validate", str(file), *extra],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_validate_when_seed_example_exits_0_with_effective_risk(tmp_path: Path) -> None:
    code, out, _ = validate(tmp_path, DEFAULT.read_bytes(), "--equity", "1350")
    assert code == 0
    assert "effective 0.18%" in out
    assert "the cap binds" in out
    assert "max loss per trade 2.43 USDT" in out


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (with_change("leverage", 4), "leverage: Input should be less than or equal to 3 (got 4; allowed 1 to 3)"),
        (with_change("execution.sl_pct", 0.01), "execution.sl_pct: Input should be less than or equal to 0.0050"),
        (with_change("symbols", ["BTCUSDT", "ETHUSDT", "SOLUSDT"]), "SOLUSDT requires feature_flags.enable_sol"),
        (with_change("signal.min_liq_usd", {"BTCUSDT": 2_500_000}), "signal.min_liq_usd.ETHUSDT: missing threshold"),
        (with_change("risk.risk_per_trade_pct", "0.25%"), "risk.risk_per_trade_pct: must be a JSON number"),
        (b'{"leverage": 2,', "invalid JSON"),
    ],
)
def test_validate_when_invalid_exits_2_with_its_own_message(tmp_path: Path, raw: bytes, expected: str) -> None:
    code, out, err = validate(tmp_path, raw)
    assert code == 2
    assert out == ""
    assert expected in err
    assert "Traceback" not in err


def test_validate_when_several_problems_prints_one_line_each(tmp_path: Path) -> None:
    data = orjson.loads(DEFAULT.read_bytes())
    data["leverage"] = 5
    data["execution"]["tp_pct"] = 0.01
    data["extra_field"] = True
    code, _, err = validate(tmp_path, orjson.dumps(data))
    assert code == 2
    assert len(err.strip().splitlines()) == 3


def test_events_schema_when_printed_lists_every_event(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "schema"]) == 0
    schema = orjson.loads(capsys.readouterr().out)
    assert "LiquidationObserved" in schema["events"]
    assert schema["events"]["EntryApproved"]["stream"] == "intents"
    assert "payload" in schema["envelope"]["properties"]
