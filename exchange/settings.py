"""Account settings (position mode, asset mode, margin type, fee asset, trigger play) and the position-side
rule every new order obeys; the rules for changing them are in :mod:`exchange.settings_changes`.

Every default reproduces the account as it was before these settings existed, so the paper venue's
``Account(specs, balance)`` keeps its behaviour; the server (:mod:`simulator.exchange`) switches on what
Binance does. Hedge-mode *positions* (separate LONG and SHORT legs) are not simulated: hedge mode is
accepted as a setting and its order-parameter rules are played, but an order that would open a LONG or
SHORT leg is refused with -1000.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from exchange.errors import BinanceError

TriggerOrder = Literal["triggered_first", "fill_first", "finished_first"]
EngineClientId = Literal["ours", "own"]
TRIGGER_ORDERS: tuple[TriggerOrder, ...] = ("triggered_first", "fill_first", "finished_first")
ENGINE_CLIENT_IDS: tuple[EngineClientId, ...] = ("ours", "own")
MARGIN_TYPES = ("CROSSED", "ISOLATED")
FEE_ASSETS = ("USDT", "BNB")
# keys of the account object (scenario "account", POST /_sim/account; see simulator.exchange)
ACCOUNT_KEYS = (
    "dual_side",
    "multi_assets",
    "margin_type",
    "leverage",
    "read_only_keys",
    "fee_asset",
    "bnb_price",
    "bnb_balance",
    "balance",
    "expire_close_position_on_flat",
)
# Reference §6.4 [doc]: "10% discount when paying fees in BNB" (Binance FAQ 360033544231).
BNB_FEE_DISCOUNT = Decimal("0.9")


@dataclass(frozen=True)
class TriggerPlay:
    """How a triggered algo order's pushes come out (see :mod:`exchange.algos`).

    ``order``: ``triggered_first`` TRIGGERING, TRIGGERED, engine order NEW + fill, FINISHED;
    ``fill_first`` TRIGGERING, NEW + fill, TRIGGERED, FINISHED; ``finished_first`` TRIGGERING, NEW + fill,
    FINISHED, then a late TRIGGERED. ``engine_client_id``: the engine order's ``c`` is our clientAlgoId
    (``ours``) or one the exchange makes up (``own``).
    """

    order: TriggerOrder = "triggered_first"
    engine_client_id: EngineClientId = "ours"


# [obs] nautilus_trader issue #3664 / PR #3665 (2026-03): "Binance first pushes ... ORDER_TRADE_UPDATE fill,
# then later ALGO_ORDER_UPDATE Triggered (with actual child order id), then ... Finished"; issue #4682
# (2026-08) lists TRIGGERED before the fills, so the order is not stable: the server plays the case that is
# harder for a client. Whether the engine order reuses clientAlgoId is not documented; #3664 handles the
# fill as the algo order's own update, which suggests it does ([inf]).
BINANCE_TRIGGER_PLAY = TriggerPlay("fill_first", "ours")


@dataclass
class AccountSettings:
    dual_side: bool = False  # hedge mode (GET /fapi/v1/positionSide/dual)
    multi_assets: bool = False
    margin_type: dict[str, str] = field(default_factory=dict)  # symbol -> ISOLATED | CROSSED (absent: CROSSED)
    fee_asset: str = "USDT"  # "BNB": commissions in BNB while the BNB wallet can pay them
    bnb_price: Decimal = Decimal("600")  # USDT per BNB, for BNB commissions
    # [doc] reference §3.5: ALGO_UPDATE "EXPIRED (e.g. GTE_GTC conditional cancelled by the system after the
    # position is closed)": when a fill flattens a symbol, its NEW closePosition algo orders expire.
    expire_close_position_on_flat: bool = False
    trigger: TriggerPlay = field(default_factory=TriggerPlay)

    def margin_type_of(self, symbol: str) -> str:
        return self.margin_type.get(symbol, "CROSSED")

    def isolated(self, symbol: str) -> bool:
        return self.margin_type_of(symbol) == "ISOLATED"


def check_position_side(settings: AccountSettings, position_side: str | None, reduce_only_sent: bool) -> None:
    """Binance's position-side rules for a new (algo) order; ``None``: the parameter was not sent."""
    side = position_side or "BOTH"
    if side not in ("BOTH", "LONG", "SHORT"):
        raise BinanceError(-4060, "Invalid position side.")
    if not settings.dual_side:
        if side != "BOTH":
            raise BinanceError(-4061, "Order's position side does not match user's setting.")
        return
    if reduce_only_sent:
        # [obs] nautilus_trader #4231 (2026-06) and ccxt/go-binance #521 (even with reduceOnly=false): the text
        # spells the parameter in lower case. Checked before -4061 ([inf]: which comes first is not known).
        raise BinanceError(-1106, "Parameter 'reduceonly' sent when not required.")
    if side == "BOTH":
        raise BinanceError(-4061, "Order's position side does not match user's setting.")
    raise BinanceError(
        -1000, "Hedge-mode positions (positionSide LONG/SHORT) are not simulated; use one-way mode."
    )
