"""The config model: the seed's example is valid; dangerous settings are refused with a clear reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from schemas.config import BotConfig, SignalConfig, effective_risk_pct, margin_needed_pct

DEFAULT = Path(__file__).resolve().parents[2] / "config" / "default.json"


def with_change(path: str, value: object) -> bytes:
    data = orjson.loads(DEFAULT.read_bytes())
    *parents, leaf = path.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return orjson.dumps(data)


def test_seed_example_when_validated_gives_seed_defaults() -> None:
    config = BotConfig.model_validate_json(DEFAULT.read_bytes())
    assert config.leverage == 2
    assert config.signal.min_liq_usd["BTCUSDT"] == Decimal(2_500_000)
    assert config.execution.sl_pct == Decimal("0.0045")
    assert config.signal.max_setup_age_seconds == 600
    assert config.day_boundary_tz == "Africa/Johannesburg"


def test_effective_risk_when_seed_defaults_is_capped_by_margin() -> None:
    config = BotConfig.model_validate_json(DEFAULT.read_bytes())
    assert margin_needed_pct(config).quantize(Decimal("0.001")) == Decimal("0.278")
    assert effective_risk_pct(config) == Decimal("0.0018")


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        ("leverage", 4, ("leverage",)),
        ("execution.sl_pct", 0.01, ("execution", "sl_pct")),
        ("execution.tp_pct", 0.001, ("execution", "tp_pct")),
        ("execution.time_stop_seconds", 600, ("execution", "time_stop_seconds")),
        ("risk.risk_per_trade_pct", "0.0025", ("risk", "risk_per_trade_pct")),
        ("risk.max_trades_per_day", 0, ("risk", "max_trades_per_day")),
        ("leverage", "2", ("leverage",)),
        ("surprise", 1, ("surprise",)),
    ],
)
def test_config_when_field_out_of_range_names_the_field(path: str, value: object, where: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        BotConfig.model_validate_json(with_change(path, value))
    assert tuple(info.value.errors()[0]["loc"]) == where


def test_config_when_sol_enabled_without_flag_is_refused() -> None:
    with pytest.raises(ValidationError, match="enable_sol"):
        BotConfig.model_validate_json(with_change("symbols", ["BTCUSDT", "SOLUSDT"]))


def test_config_when_threshold_missing_for_enabled_symbol_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"min_liq_usd\.ETHUSDT"):
        BotConfig.model_validate_json(with_change("signal.min_liq_usd", {"BTCUSDT": 2_500_000}))


def test_config_when_round_tripped_through_json_is_equal() -> None:
    config = BotConfig.model_validate_json(DEFAULT.read_bytes())
    assert BotConfig.model_validate_json(config.model_dump_json()) == config
    assert BotConfig.model_validate(orjson.loads(config.model_dump_json())) == config


def test_cooldown_until_when_a_trade_closed_counts_the_cooldown_from_the_close() -> None:
    signal = SignalConfig(symbol_cooldown_seconds=300)
    assert signal.cooldown_until(1_000) == 301_000
