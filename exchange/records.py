"""The account's records (orders, algo orders, positions) and the order checks every entry point shares.

Plain dataclasses of str/int/bool/Decimal: the executor's paper venue deep-copies them and snapshots them
with pydantic, so their fields are part of the executor's snapshot format (add fields with defaults only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from exchange.errors import BinanceError
from exchange.symbols import SymbolSpec

Event = dict[str, Any]
CONDITIONAL = {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
ZERO = Decimal(0)
Refusal = Literal["REJECTED", "EXPIRED"]


@dataclass
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    tif: str
    qty: Decimal
    price: Decimal
    reduce_only: bool
    time: int
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    close_position: bool = False
    stop_price: Decimal = ZERO

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed if self.executed else ZERO

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    symbol: str
    side: str
    type: str
    qty: Decimal
    trigger_price: Decimal
    close_position: bool
    reduce_only: bool
    working_type: str
    create_time: int
    status: str = "NEW"
    update_time: int = 0
    trigger_time: int = 0
    actual_order_id: int | None = None
    actual_price: Decimal = ZERO
    actual_qty: Decimal = ZERO
    price_protect: bool = False
    reason: str = ""  # ALGO_UPDATE "rm": why the exchange refused it at trigger time


@dataclass
class Position:
    amt: Decimal = ZERO
    entry: Decimal = ZERO
    realized: Decimal = ZERO
    update_time: int = 0
    isolated_wallet: Decimal = ZERO  # ISOLATED symbols only: the margin set aside for the position


@dataclass
class TriggerRefusal:
    """A refusal queued for the next trigger of a matching algo order (``type_`` None: any type)."""

    outcome: Refusal
    reason: str
    count: int = 1
    type_: str | None = None


def check_client_id(client_id: str, duplicate: bool) -> None:
    if len(client_id) > 36:
        raise BinanceError(-4015, "Client order id length should not be more than 36 chars")
    if not CLIENT_ID.match(client_id):
        raise BinanceError(
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; legal range is "
            "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
        )
    if duplicate:
        raise BinanceError(-4116, "ClientOrderId is duplicated.")


def check_qty(spec: SymbolSpec, qty: Decimal) -> None:
    if qty <= 0:
        raise BinanceError(-4003, "Quantity less than or equal to zero.")
    if (qty - spec.min_qty) % spec.step != 0:
        raise BinanceError(-4023, "Quantity not increased by step size.")
    if qty < spec.min_qty:
        raise BinanceError(-4004, "Quantity less than min qty.")
    if qty > spec.max_qty:
        raise BinanceError(-4005, "Quantity greater than max qty.")


def check_tick(spec: SymbolSpec, price: Decimal) -> None:
    if price <= 0 or (price - spec.min_price) % spec.tick != 0:
        raise BinanceError(-4014, "Price not increased by tick size.")
