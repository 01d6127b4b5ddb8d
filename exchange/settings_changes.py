"""Binance's rules for changing an account's settings: position mode, Multi-Assets mode, margin type."""

from __future__ import annotations

from exchange.account_state import AccountState
from exchange.errors import BinanceError
from exchange.settings import MARGIN_TYPES


def _has_open_orders(acct: AccountState, symbol: str | None = None) -> bool:
    return any(o.is_open and symbol in (None, o.symbol) for o in acct.orders.values()) or any(
        a.status == "NEW" and symbol in (None, a.symbol) for a in acct.algos.values()
    )


def change_position_mode(acct: AccountState, dual_side: bool) -> None:
    # [doc] error codes -4059/-4067/-4068 (reference §6.2, qiuham/crypto-api-docs error-code.md 2026-01).
    if dual_side == acct.settings.dual_side:
        raise BinanceError(-4059, "No need to change position side.")
    if any(p.amt for p in acct.positions.values()):
        raise BinanceError(-4068, "Position side cannot be changed if there exists position.")
    if _has_open_orders(acct):
        raise BinanceError(-4067, "Position side cannot be changed if there exists open orders.")
    acct.settings.dual_side = dual_side


def change_multi_assets(acct: AccountState, on: bool) -> None:
    # [doc] error codes -4167/-4170/-4171 (same error-code page); -4168 is the reverse case (margin type).
    if on == acct.settings.multi_assets:
        raise BinanceError(
            -4171, "Adjusted asset mode is currently set and does not need to be adjusted repeatedly."
        )
    if on and any(mt == "ISOLATED" for mt in acct.settings.margin_type.values()):
        raise BinanceError(
            -4167,
            "Unable to adjust to Multi-Assets mode with symbols of USDⓈ-M Futures under isolated-margin mode.",
        )
    if _has_open_orders(acct):
        raise BinanceError(-4170, "Unable to adjust Multi-Assets Mode with open orders in USDⓈ-M Futures.")
    acct.settings.multi_assets = on


def change_margin_type(acct: AccountState, symbol: str, margin_type: str) -> None:
    # [doc] -4046/-4047/-4048/-4168 (error-code page); open algo orders count as open orders ([inf]).
    if margin_type not in MARGIN_TYPES:
        raise BinanceError(-1102, "Mandatory parameter 'marginType' was not sent, was empty/null, or malformed.")
    if margin_type == acct.settings.margin_type_of(symbol):
        raise BinanceError(-4046, "No need to change margin type.")
    if margin_type == "ISOLATED" and acct.settings.multi_assets:
        raise BinanceError(-4168, "Unable to adjust to isolated-margin mode under the Multi-Assets mode.")
    if _has_open_orders(acct, symbol):
        raise BinanceError(-4047, "Margin type cannot be changed if there exists open orders.")
    pos = acct.positions.get(symbol)
    if pos is not None and pos.amt:
        raise BinanceError(-4048, "Margin type cannot be changed if there exists position.")
    acct.settings.margin_type[symbol] = margin_type
