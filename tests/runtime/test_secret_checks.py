"""What a process refuses to start without: each problem named, in every mode, only where it is used."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from runtime.passwords import hash_password
from runtime.secret_checks import problems_for
from runtime.settings import Settings

GOOD = {"jwt_secret": SecretStr("j" * 40), "dashboard_secret": SecretStr("d" * 40),
        "admin_password": SecretStr("a long operator password")}


def settings(**changes: object) -> Settings:
    values: dict[str, Any] = {**GOOD, **changes}
    fields: dict[str, Any] = {k: SecretStr(v) if isinstance(v, str) and k != "trading_mode" else v
                              for k, v in values.items()}
    return Settings(_env_file=None, **fields)


def test_api_when_every_secret_is_good_has_no_problem() -> None:
    assert problems_for(["api"], settings()) == []


@pytest.mark.parametrize("mode", ["paper", "live"])
def test_api_when_nothing_is_set_names_all_three_in_every_mode(mode: str) -> None:
    found = problems_for(["api"], Settings(_env_file=None, trading_mode=mode))
    assert [p.split(" ")[0] for p in found] == ["JWT_SECRET", "DASHBOARD_SECRET", "ADMIN_PASSWORD"]


@pytest.mark.parametrize("value", ["change-me-demo-only", "CHANGE-ME-and-then-some-more-characters-here",
                                   "replace-me-with-32-or-more-random-characters"])
def test_jwt_secret_when_a_published_value_is_refused_however_long(value: str) -> None:
    assert any("JWT_SECRET" in p for p in problems_for(["api"], settings(jwt_secret=value)))


def test_admin_password_hash_when_argon2id_of_a_private_password_is_accepted() -> None:
    hashed = hash_password("a long operator password")
    assert problems_for(["api"], settings(admin_password="", admin_password_hash=hashed)) == []


def test_admin_password_hash_when_made_from_a_demo_value_is_refused() -> None:
    hashed = hash_password("change-me-demo-only")
    assert problems_for(["api"], settings(admin_password="", admin_password_hash=hashed)) == [
        "ADMIN_PASSWORD_HASH is the hash of a published demo value"]


def test_trading_workers_when_paper_need_no_operator_secret() -> None:
    assert problems_for(["ingest", "strategy", "governor", "executor"], Settings(_env_file=None)) == []


def test_trading_workers_when_live_need_the_binance_keys_and_nothing_of_the_operator() -> None:
    found = problems_for(["executor"], Settings(_env_file=None, trading_mode="live"))
    assert found == ["BINANCE_API_KEY and BINANCE_API_SECRET are required when TRADING_MODE=live"]
