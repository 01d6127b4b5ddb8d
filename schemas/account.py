"""The account at the venue on `executions`: equity, balances, funding, leverage and margin type, the
user-data stream's health."""

from __future__ import annotations

from decimal import Decimal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import EXECUTIONS
from schemas.types import Symbol


@event(EXECUTIONS)
class AccountUpdated(Payload):
    """The equity sizing and the daily loss limit use. Paper: the paper account's balance plus unrealized
    PnL. Live: the exchange's USDT wallet plus unrealized PnL, less the commissions paid in other assets
    (BNB), valued in USDT at each fill."""

    equity: Decimal
    wallet_balance: Decimal
    available: Decimal


@event(EXECUTIONS)
class BalanceReported(Payload):
    """What the exchange says of the account (an ACCOUNT_UPDATE, or a periodic read)."""

    wallet_usdt: Decimal | None  # None: the USDT wallet did not change in this report
    unrealized_usdt: dict[str, Decimal] | None = None  # per symbol; None: not in this report
    available_usdt: Decimal | None = None
    assets: dict[str, Decimal] = {}  # wallet balance per asset (USDT, BNB, ...)
    reason: str = ""  # ACCOUNT_UPDATE `m` (ORDER, FUNDING_FEE, ...) or PERIODIC / BOOT


@event(EXECUTIONS)
class FundingCharged(Payload):
    """A funding payment at the exchange (ACCOUNT_UPDATE m=FUNDING_FEE). Positive: received."""

    symbol: str | None  # None when the exchange did not say (a cross-margin funding names no position)
    asset: str
    amount: Decimal
    amount_usdt: Decimal
    time: int


@event(EXECUTIONS)
class FundingBooked(Payload):
    """The executor's booking of a funding payment: on the open trade (`setup_id`), else on the day."""

    setup_id: str | None
    symbol: str | None
    amount_usdt: Decimal


@event(EXECUTIONS)
class LeverageSet(Payload):
    symbol: Symbol
    leverage: int


@event(EXECUTIONS)
class MarginTypeSet(Payload):
    symbol: Symbol
    margin_type: str


@event(EXECUTIONS)
class UserStreamChanged(Payload):
    """The user-data stream went down or came back. While it is down no fill can be seen: no new entry."""

    connected: bool
    detail: str = ""
