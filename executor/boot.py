"""Boot checks (seed §10.2) and the operator's health check: the account must be one this bot can trade.

Each check has a name the boot report and the dashboard's health check show, and a failure says what is
wrong and how to fix it. Boot also sets what the bot owns per symbol (margin type, leverage); the health
check only reads and compares. Any failed boot check: BootChecksCompleted ok=false, the governor goes to
ERROR, and the executor stays up (an always-restart policy must not loop on a setting only a person can
change).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from binance.exceptions import BinanceAPIException

from executor.binance import BinanceVenue
from executor.errors import describe
from executor.filters import parse_exchange_info, probe_order
from schemas.account import BalanceReported, LeverageSet, MarginTypeSet
from schemas.config import BotConfig, active_symbols
from schemas.envelope import Payload
from schemas.orders import CheckResult, HealthCheckResult, SymbolFilters

HEDGE_FIX = ("liqfade trades one-way mode only (no positionSide). With no open position or order, switch "
             "Position Mode to One-way (Binance Futures → Preferences), or POST /fapi/v1/positionSide/dual "
             "dualSidePosition=false")
MULTI_ASSETS_FIX = ("liqfade needs Single-Asset mode: equity is the USDT wallet, and isolated margin is not "
                    "possible in Multi-Assets mode. Switch Asset Mode to Single-Asset (Binance Futures → "
                    "Preferences)")
PERMISSION_FIX = ("the API key cannot trade USDⓈ-M futures: enable 'Enable Futures' for this key (API Management; "
                  "check its IP restriction); never enable withdrawals")


class Checks:
    """Results in the order they ran, and what they produced."""

    def __init__(self) -> None:
        self.results: list[CheckResult] = []
        self.out: list[Payload] = []

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append(CheckResult(name=name, ok=ok, detail=detail[:500]))
        return ok

    async def run(self, name: str, step: Awaitable[Any], detail: Callable[[Any], str] = lambda r: str(r)[:200],
                  fix: str = "") -> Any:
        try:
            result = await step
        except Exception as exc:
            self.add(name, False, f"{describe(exc)}" + (f": {fix}" if fix else ""))
            return None
        self.add(name, True, detail(result))
        return result

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.results)


async def account_checks(venue: BinanceVenue, config: BotConfig, checks: Checks,
                         mode: str = "live") -> tuple[SymbolFilters, ...]:
    """Mode, position mode, asset mode, symbols and filters, commission, trade permission."""
    symbols = active_symbols(config)
    checks.add("mode", config.mode == mode,
               f"config mode={config.mode}, TRADING_MODE={mode}" + (
                   "" if config.mode == mode else f": publish a config with mode={mode}, or run TRADING_MODE="
                                                  f"{config.mode}"))
    account = await checks.run("account_config", venue.call(venue.client.futures_account_config),
                               lambda a: f"fee tier {a.get('feeTier')}, canTrade {a.get('canTrade')}")
    if account is not None:
        hedge = bool(account.get("dualSidePosition"))
        checks.add("position_mode", not hedge, "one-way" if not hedge else f"hedge mode is on: {HEDGE_FIX}")
        multi = bool(account.get("multiAssetsMargin"))
        checks.add("multi_assets", not multi, "single-asset (USDT)" if not multi
                   else f"Multi-Assets mode is on: {MULTI_ASSETS_FIX}")
    info = await checks.run("exchange_info", venue.call(venue.client.futures_exchange_info),
                            lambda i: f"{len(i.get('symbols', []))} symbols")
    fees: dict[str, tuple[Decimal, Decimal]] = {}
    for sym in symbols:
        rate = await checks.run(f"commission_{sym}", venue.call(venue.client.futures_commission_rate, symbol=sym),
                                lambda r: f"maker {r['makerCommissionRate']} taker {r['takerCommissionRate']}")
        if rate is not None:
            fees[sym] = (Decimal(rate["makerCommissionRate"]), Decimal(rate["takerCommissionRate"]))
    venue.fees = fees or venue.fees
    filters: tuple[SymbolFilters, ...] = ()
    if info is not None:
        filters = parse_exchange_info(info, {s: fees.get(s, (Decimal(0), Decimal(0))) for s in symbols}, symbols)
        found = {f.symbol: f for f in filters}
        for sym in symbols:
            f = found.get(sym)
            if f is None:
                checks.add(f"symbol_{sym}", False, f"{sym} is not in exchangeInfo (or lacks PRICE_FILTER/LOT_SIZE)")
            else:
                checks.add(f"symbol_{sym}", f.status == "TRADING",
                           f"{f.status}; tick {f.tick_size}, step {f.step_size} (market {f.market_step}), min qty "
                           f"{f.min_qty}, max qty {f.largest_qty}, min notional {f.min_notional}, percent price "
                           f"{f.percent_down}-{f.percent_up}" + ("" if f.status == "TRADING" else ": not tradable"))
    await _trade_permission(venue, filters, symbols, checks)
    return filters


async def symbol_settings(venue: BinanceVenue, config: BotConfig, checks: Checks, apply: bool) -> None:
    """Margin type and leverage per symbol: set them (`apply`, at boot, after reconcile has dealt with what is
    not ours) or compare them (health check)."""
    symbols = active_symbols(config)
    current = await checks.run("symbol_config", venue.call(venue.client.futures_symbol_config),
                               lambda rows: f"{len(rows)} symbols")
    by_symbol = {r["symbol"]: r for r in current or []}
    for sym in symbols:
        row = by_symbol.get(sym, {})
        if row.get("marginType") == config.margin_type:
            checks.add(f"margin_type_{sym}", True, f"{config.margin_type}")
        elif not apply:
            checks.add(f"margin_type_{sym}", False, f"{row.get('marginType')} at the exchange, config says "
                                                    f"{config.margin_type}: the executor sets it when flat")
        else:
            await _set_margin_type(venue, sym, config.margin_type, checks)
        if not apply:
            lev = row.get("leverage")
            checks.add(f"leverage_{sym}", lev == config.leverage, f"{lev}x at the exchange, config {config.leverage}x")
            continue
        done = await checks.run(f"leverage_{sym}", venue.call(venue.client.futures_change_leverage, symbol=sym,
                                                             leverage=config.leverage),
                                lambda r: f"{r.get('leverage')}x (max notional {r.get('maxNotionalValue')})")
        if done is not None:
            checks.out.append(LeverageSet(symbol=sym, leverage=config.leverage))


async def _set_margin_type(venue: BinanceVenue, sym: str, margin_type: str, checks: Checks) -> None:
    try:
        await venue.call(venue.client.futures_change_margin_type, symbol=sym, marginType=margin_type)
    except BinanceAPIException as exc:
        if exc.code != -4046:  # "No need to change margin type.": it already is
            held = " (the symbol has an open position or orders: close them first)" if exc.code in (-4047, -4048) \
                else ""
            checks.add(f"margin_type_{sym}", False, f"could not set {margin_type}: {describe(exc)}{held}, or change "
                                                    "config.margin_type to what the account has")
            return
    except Exception as exc:
        checks.add(f"margin_type_{sym}", False, f"could not set {margin_type}: {describe(exc)}")
        return
    checks.add(f"margin_type_{sym}", True, f"set to {margin_type}")
    checks.out.append(MarginTypeSet(symbol=sym, margin_type=margin_type))


async def _trade_permission(venue: BinanceVenue, filters: tuple[SymbolFilters, ...], symbols: tuple[str, ...],
                            checks: Checks) -> None:
    """POST /fapi/v1/order/test: signature, permission and parameters checked, nothing sent to the engine."""
    f = next((x for x in filters if x.symbol == symbols[0]), None)
    if f is None:
        checks.add("permissions", False, "not checked: no filters for a test order")
        return
    try:
        book = await venue.call(venue.client.futures_orderbook_ticker, symbol=f.symbol)
        params = probe_order(f, Decimal(str(book["bidPrice"])))
        await venue.call(venue.client.futures_create_test_order, **params)
    except BinanceAPIException as exc:
        fix = PERMISSION_FIX if exc.code in (-2015, -2014, -1022) else "a test order was refused"
        checks.add("permissions", False, f"{describe(exc)}: {fix}")
        return
    except Exception as exc:
        checks.add("permissions", False, f"test order not answered: {describe(exc)}")
        return
    checks.add("permissions", True, f"test order accepted (POST /fapi/v1/order/test, {params['type']} "
                                    f"{params['quantity']} {f.symbol}; nothing placed)")


async def balance(venue: BinanceVenue, reason: str) -> BalanceReported:
    """The account's USDT wallet, available balance and each position's unrealized PnL (GET /fapi/v2/account)."""
    account = await venue.call(venue.client.futures_account)
    assets = {str(a["asset"]): a for a in account.get("assets", [])}
    usdt = assets.get("USDT", {})
    unrealized = {str(p["symbol"]): Decimal(str(p.get("unrealizedProfit", "0")))
                  for p in account.get("positions", []) if Decimal(str(p.get("positionAmt", "0"))) != 0}
    return BalanceReported(wallet_usdt=Decimal(str(usdt.get("walletBalance", "0"))), unrealized_usdt=unrealized,
                           available_usdt=Decimal(str(usdt.get("availableBalance", "0"))),
                           assets={k: Decimal(str(v.get("walletBalance", "0"))) for k, v in assets.items()},
                           reason=reason)


async def health(venue: BinanceVenue, config: BotConfig, key: str, stream_up: bool) -> HealthCheckResult:
    checks = Checks()
    try:
        started = time.monotonic()
        # our signed timestamps are local time + the offset learnt at the last sync: the skew that
        # matters is how far that has drifted from the venue's clock (the simulator's clock is virtual,
        # so the raw offset there is months; on Binance it is the host's NTP error)
        before = venue.offset
        offset = await venue.sync_time()
        rtt = int((time.monotonic() - started) * 1000)
        drift = offset - before
        checks.add("connectivity", True, f"/fapi/v1/time in {rtt} ms")
        checks.add("clock_skew", abs(drift) < 1000, f"{drift} ms since the last sync (offset {offset} ms, resynced)")
    except Exception as exc:  # any failure is the answer here
        checks.add("connectivity", False, describe(exc))
    await account_checks(venue, config, checks)
    await symbol_settings(venue, config, checks, apply=False)
    checks.add("user_stream", stream_up, "connected" if stream_up else "down: no new entries until it is back")
    used = venue.used_weight()
    checks.add("rate_limit", used < 1800, f"{used}/2400 weight used this minute")
    return HealthCheckResult(idempotency_key=key, ok=checks.ok, checks=tuple(checks.results))
