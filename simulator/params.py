"""Request-parameter readers that fail with Binance's own codes (-1102 mandatory, -1100 illegal chars)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from exchange.errors import BinanceError
from exchange.symbols import SYMBOLS
from simulator import errors

Params = dict[str, str]


def decimal_param(params: Params, name: str, required: bool = True) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise errors.mandatory(name)
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise errors.mandatory(name) from exc


def int_param(params: Params, name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise errors.illegal_chars(name)
    return int(raw)


def required(params: Params, name: str) -> str:
    value = params.get(name)
    if not value:
        raise errors.mandatory(name)
    return value


def bool_param(params: Params, name: str) -> bool:
    value = required(params, name).lower()
    if value not in ("true", "false"):
        raise errors.mandatory(name)
    return value == "true"


def symbol_param(params: Params) -> str:
    sym = required(params, "symbol")
    if sym not in SYMBOLS:
        raise errors.invalid_symbol()
    return sym


def limit_param(params: Params, default: int, most: int) -> int:
    limit = int_param(params, "limit", default) or default
    return min(limit, most)


def order_ref(params: Params) -> tuple[int | None, str | None]:
    order_id, client_id = int_param(params, "orderId"), params.get("origClientOrderId")
    if order_id is None and not client_id:
        raise BinanceError(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
        )
    return order_id, client_id


def algo_ref(params: Params) -> tuple[int | None, str | None]:
    algo_id, client_id = int_param(params, "algoId"), params.get("clientAlgoId")
    if algo_id is None and not client_id:
        raise BinanceError(-1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!")
    return algo_id, client_id
