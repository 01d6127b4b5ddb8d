"""Position sizing (DESIGN §5, seed §5.2): risk-based size, rounded down, capped by margin, never rounded up.

Prices used, and why:
- `entry_price` (the reference the executor's LIMIT sits at, DESIGN §6) is the touch on our side of the
  book: best bid for a LONG, best ask for a SHORT. Stop and take-profit are computed from it.
- The *fill* can be worse: an unfilled LIMIT falls back to MARKET, which buys at the ask (LONG) or sells
  at the bid (SHORT). The stop distance used for sizing is therefore the larger of the DESIGN formula on
  the higher touch (`ask * sl_pct`) and the distance from that worst touch fill to the stop as placed.
  So `qty * price * sl_pct ≤ risk budget` holds for either touch price, and the loss at the stop stays
  within budget whether the executor keeps our absolute stop or recomputes it from its fill.
- The margin cap uses the ask (the higher price gives the larger notional); the min-notional check uses
  the bid (a size that passes at the lower price passes at either).
Rounding: the reference to the tick away from paying more (LONG down, SHORT up); the worst fill outward;
quantities down to the step. Stop prices towards the entry (LONG: up, SHORT: down) — a closer
stop can only lose less. Take-profit prices towards the entry too (LONG: down, SHORT: up), so the target
is never further away than the configured `tp_pct`. Slippage beyond the touch cannot be bounded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_UP, Decimal

from schemas.config import BotConfig
from schemas.orders import SymbolFilters
from schemas.types import PositionSide, RejectReason

REPORT_QUANTUM = Decimal("0.00000001")


@dataclass(frozen=True, slots=True)
class Sizing:
    qty: Decimal
    entry_price: Decimal
    stop_price: Decimal
    take_profit_price: Decimal
    risk_usdt: Decimal  # loss at the stop from the worst touch fill, before fees
    effective_risk_pct: Decimal  # risk_usdt / equity
    margin_usdt: Decimal  # qty * ask / leverage
    capped: bool  # the margin cap, not the risk budget, set the size


@dataclass(frozen=True, slots=True)
class Veto:
    reason: RejectReason
    detail: str


def round_down(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def round_up(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def exit_prices(
    side: PositionSide, ref: Decimal, config: BotConfig, tick: Decimal
) -> tuple[Decimal, Decimal]:
    """(stop, take_profit) from the reference entry, each rounded to the tick towards the entry."""
    sl, tp = config.execution.sl_pct, config.execution.tp_pct
    if side == "LONG":
        return round_up(ref * (1 - sl), tick), round_down(ref * (1 + tp), tick)
    return round_down(ref * (1 + sl), tick), round_up(ref * (1 - tp), tick)


def size_entry(
    *,
    side: PositionSide,
    bid: Decimal,
    ask: Decimal,
    equity: Decimal,
    config: BotConfig,
    filters: SymbolFilters,
    risk_budget: Decimal | None = None,
) -> Sizing | Veto:
    """Size one entry. `risk_budget` (e.g. the day's remaining loss) can only lower the size."""
    if bid <= 0 or ask <= 0 or bid > ask:
        return Veto(RejectReason.SPREAD, f"unusable book bid={bid} ask={ask}")
    if equity <= 0:
        return Veto(RejectReason.NO_EQUITY, f"equity {equity} is not positive")
    tick = filters.tick_size
    # a real book is on tick; a synthesised one may not be. A buy never rounds up, a sell never down.
    ref = round_down(bid, tick) if side == "LONG" else round_up(ask, tick)
    worst_fill = round_up(ask, tick) if side == "LONG" else round_down(bid, tick)
    stop, take_profit = exit_prices(side, ref, config, tick)
    distance = max(ask * config.execution.sl_pct, abs(worst_fill - stop))

    budget = equity * config.risk.risk_per_trade_pct
    if risk_budget is not None:
        budget = min(budget, risk_budget)
    if budget <= 0:
        return Veto(RejectReason.DAILY_LOSS_LIMIT, f"no risk budget left ({budget})")
    step = filters.step_size
    qty_risk = round_down(budget / distance, step)
    max_notional = equity * config.risk.max_margin_per_trade_pct * config.leverage
    qty_cap = round_down(max_notional / ask, step)
    qty = min(qty_risk, qty_cap)

    notional_floor = qty * bid
    if qty <= 0 or qty < filters.min_qty or notional_floor < filters.min_notional:
        return Veto(
            RejectReason.BELOW_MIN_NOTIONAL,
            f"qty {qty} (risk {qty_risk}, margin cap {qty_cap}) notional {notional_floor} is below "
            f"min qty {filters.min_qty} / min notional {filters.min_notional}",
        )
    risk_usdt = qty * distance
    return Sizing(
        qty=qty,
        entry_price=ref,
        stop_price=stop,
        take_profit_price=take_profit,
        risk_usdt=risk_usdt.quantize(REPORT_QUANTUM, rounding=ROUND_UP),
        effective_risk_pct=(risk_usdt / equity).quantize(REPORT_QUANTUM, rounding=ROUND_UP),
        margin_usdt=(qty * ask / config.leverage).quantize(REPORT_QUANTUM, rounding=ROUND_UP),
        capped=qty_cap < qty_risk,
    )
