"""The exchange behind the server: the pure :class:`~exchange.account.Account` set up as Binance plays it,
plus what only the server keeps (trade/income ledger, mark prices, funding clock, query faults) and the
bridge that publishes user-data events to every live listen key.

Server defaults (a bare ``Account`` keeps the old behaviour; see :mod:`exchange.settings`): a triggered
stop plays ``fill_first`` with engine client id ``ours``; NEW closePosition algo orders expire when a fill
flattens their symbol; funding at 0.0001 every 8 h (00:00/08:00/16:00 UTC); a mark smoothed over 3 s.

Account object (scenario ``account``, ``POST /_sim/account``, fault ``{"action": "account", ...}``), all keys
optional, applied as given (an operator's hand, not Binance's rules)::

    {"dual_side": false, "multi_assets": false, "margin_type": {"BTCUSDT": "ISOLATED"},
     "leverage": {"BTCUSDT": 5}, "read_only_keys": ["<api key>"], "fee_asset": "BNB",
     "bnb_price": "600", "bnb_balance": "1.5", "balance": "10000", "expire_close_position_on_flat": true}
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation
from typing import Any

from exchange.account import Account
from exchange.records import ZERO, Event, TriggerRefusal
from exchange.settings import (
    ACCOUNT_KEYS,
    BINANCE_TRIGGER_PLAY,
    ENGINE_CLIENT_IDS,
    FEE_ASSETS,
    MARGIN_TYPES,
    TRIGGER_ORDERS,
    AccountSettings,
    TriggerPlay,
)
from exchange.settlement import FORCE_CLOSE_KINDS
from exchange.symbols import SYMBOLS
from simulator import streams
from simulator.auth import Authenticator
from simulator.clock import VirtualClock
from simulator.config import SimConfig
from simulator.hub import Hub
from simulator.ledger import Ledger
from simulator.listen_keys import ListenKeys
from simulator.market import MarketState
from simulator.marks import MarkTracker, funding_times, next_funding_ms
from simulator.payloads import mark_price
from simulator.scenarios import ExchangeSetup

BNB_SYMBOL = "BNBUSDT"


def _decimal(value: object, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{name} must be a decimal string, not {value!r}") from exc


def _trigger_play(current: TriggerPlay, order: object, engine_client_id: object) -> TriggerPlay:
    if order is not None and order not in TRIGGER_ORDERS:
        raise ValueError(f"trigger order must be one of {TRIGGER_ORDERS}, not {order!r}")
    if engine_client_id is not None and engine_client_id not in ENGINE_CLIENT_IDS:
        raise ValueError(f"engine_client_id must be one of {ENGINE_CLIENT_IDS}, not {engine_client_id!r}")
    return TriggerPlay(order or current.order, engine_client_id or current.engine_client_id)


class Exchange:
    def __init__(
        self,
        config: SimConfig,
        clock: VirtualClock,
        market: MarketState,
        hub: Hub,
        keys: ListenKeys,
        auth: Authenticator,
        setup: ExchangeSetup,
        start_ms: int,
    ) -> None:
        self._clock = clock
        self._market = market
        self._hub = hub
        self._keys = keys
        self._auth = auth
        play = _trigger_play(BINANCE_TRIGGER_PLAY, setup.trigger.get("order"), setup.trigger.get("engine_client_id"))
        play = _trigger_play(play, config.trigger_order, config.engine_client_id)
        self.account = Account(
            dict(SYMBOLS),
            config.initial_balance,
            default_leverage=config.leverage_default,
            settings=AccountSettings(expire_close_position_on_flat=True, trigger=play),
        )
        self.ledger = Ledger()
        self.marks = MarkTracker(setup.mark_smoothing_s, setup.mark_premium_bps)
        self.funding_rate = setup.funding_rate
        self.funding_every_8h = setup.funding_every_8h
        self._last_tick_ms = start_ms
        self.algo_query_denials = 0  # the next N algo queries/cancels deny an existing order
        self.algo_query_denied_until_ms = 0
        if setup.account:
            self.configure(setup.account)

    # -- publishing -------------------------------------------------------------------------------
    def publish(self, events: list[Event], symbol: str = "") -> None:
        self.ledger.record(events, self.account.settings.bnb_price, symbol)
        keys = [lk["listenKey"] for lk in self._keys.snapshot(0) if not lk["expired"]]
        for event in events:
            for lk in keys:
                self._hub.publish_user(str(lk), event)

    # -- market -----------------------------------------------------------------------------------
    def on_book(self, symbol: str, bid: Decimal, ask: Decimal, ts: int) -> None:
        book = self._market.sym(symbol).book
        bid_qty = _decimal_or_none(book.bid_qty) if book is not None else None
        ask_qty = _decimal_or_none(book.ask_qty) if book is not None else None
        # A frozen clock (before playback: a test moving the book by hand) lets no time pass to smooth over.
        mark = self.marks.update(symbol, (bid + ask) / 2, ts, instant=self._clock.frozen)
        self.publish(self.account.on_book(symbol, bid, ask, ts, bid_qty, ask_qty, mark=mark))

    def on_tick(self, ts: int) -> None:
        """Every virtual second of playback: marks move on, mark streams, funding when one is due."""
        for symbol in sorted(self._market.symbols):
            mark = self.marks.advance(symbol, ts)
            if mark is None:
                continue
            self.publish(self.account.on_mark(symbol, mark, ts))
            for name, every in ((streams.mark_price(symbol, fast=True), 1000), (streams.mark_price(symbol), 3000)):
                if ts % every == 0 and self._hub.has_subscribers(name):
                    self._hub.publish(name, self._mark_payload(symbol, mark, ts))
        if self.funding_every_8h:
            for at in funding_times(self._last_tick_ms, ts):
                self.fund(self.funding_rate, at)
        self._last_tick_ms = max(self._last_tick_ms, ts)

    def _mark_payload(self, symbol: str, mark: Decimal, ts: int) -> dict[str, Any]:
        index = self.marks.mid(symbol)
        shown = f"{index:.8f}" if index is not None else None
        return mark_price(symbol, ts, f"{mark:.8f}", next_funding_ms(ts), shown, f"{self.funding_rate:.8f}")

    def fund(self, rate: Decimal, now: int) -> list[str]:
        charged = []
        for symbol in sorted(self.account.positions):
            mark = self.account.mark(symbol)
            if mark is not None and self.account.positions[symbol].amt:
                self.publish(self.account.apply_funding(symbol, rate, mark, now), symbol)
                charged.append(symbol)
        return charged

    def premium_index(self, symbol: str, now: int) -> dict[str, Any] | None:
        mark, index = self.account.mark(symbol), self.account.last(symbol)
        if mark is None or index is None:
            return None
        return {
            "symbol": symbol,
            "markPrice": f"{mark:.8f}",
            "indexPrice": f"{index:.8f}",
            "estimatedSettlePrice": f"{mark:.8f}",
            "lastFundingRate": f"{self.funding_rate:.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": next_funding_ms(now),
            "time": now,
        }

    def price_ticker(self, symbol: str, now: int) -> dict[str, Any] | None:
        if symbol == BNB_SYMBOL:
            return {"symbol": symbol, "price": f"{self.account.settings.bnb_price:f}", "time": now}
        m = self._market.symbols.get(symbol)
        price = m.last_price if m is not None and m.last_price is not None else self.account.last(symbol)
        if price is None:
            return None
        return {"symbol": symbol, "price": SYMBOLS[symbol].fmt_price(price), "time": now}

    # -- faults and settings ----------------------------------------------------------------------
    def take_algo_query_denial(self) -> bool:
        if self.algo_query_denied_until_ms > self._clock.now_ms():
            return True
        if self.algo_query_denials > 0:
            self.algo_query_denials -= 1
            return True
        return False

    def apply_fault(self, fault: dict[str, Any]) -> dict[str, Any] | None:
        """The exchange-side fault actions (see :mod:`simulator.admin`); None: not one of ours."""
        action = fault.get("action")
        acct, now = self.account, self._clock.now_ms()
        if action == "trigger_play":
            play = _trigger_play(acct.settings.trigger, fault.get("order"), fault.get("engine_client_id"))
            acct.settings.trigger = play
            return dataclasses.asdict(acct.settings.trigger)
        if action == "refuse_trigger":
            outcome = fault.get("outcome", "REJECTED")
            if outcome not in ("REJECTED", "EXPIRED"):
                raise ValueError(f"outcome must be REJECTED or EXPIRED, not {outcome!r}")
            reason = str(fault.get("reason", "Reduce Only reject" if outcome == "REJECTED" else ""))
            acct.refusals.append(TriggerRefusal(outcome, reason, int(fault.get("count", 1)), fault.get("type")))
            return {"queued": sum(r.count for r in acct.refusals)}
        if action == "deny_algo_queries":
            if "seconds" in fault:
                self.algo_query_denied_until_ms = now + int(float(fault["seconds"]) * 1000)
            self.algo_query_denials = int(fault.get("count", 0 if "seconds" in fault else 1))
            return {"count": self.algo_query_denials, "until_ms": self.algo_query_denied_until_ms}
        if action == "force_close":
            symbol, kind = str(fault.get("symbol", "")), str(fault.get("kind", "liquidation"))
            if symbol not in SYMBOLS or kind not in FORCE_CLOSE_KINDS:
                raise ValueError(f"force_close needs a symbol in {sorted(SYMBOLS)} and a kind in {FORCE_CLOSE_KINDS}")
            price = _decimal(fault["price"], "price") if fault.get("price") is not None else None
            events = acct.force_close(symbol, kind, price, now)
            self.publish(events)
            return {"events": len(events)}
        if action == "funding":
            rate = _decimal(fault["rate"], "rate") if fault.get("rate") is not None else self.funding_rate
            return {"charged": self.fund(rate, now)}
        if action == "account":
            return self.configure({k: v for k, v in fault.items() if k != "action"})
        if action == "clear":
            acct.refusals = []
            self.algo_query_denials, self.algo_query_denied_until_ms = 0, 0
            return {}
        return None

    def configure(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Apply an account object (module docstring); returns the resulting settings."""
        if set(doc) - set(ACCOUNT_KEYS):
            raise ValueError(f"unknown account keys {sorted(set(doc) - set(ACCOUNT_KEYS))}; allowed {ACCOUNT_KEYS}")
        acct, s = self.account, self.account.settings
        margin = {**s.margin_type, **{str(k): str(v).upper() for k, v in dict(doc.get("margin_type", {})).items()}}
        leverage = {**acct.leverage, **{str(k): int(v) for k, v in dict(doc.get("leverage", {})).items()}}
        if set(margin) - set(SYMBOLS) or set(leverage) - set(SYMBOLS):
            raise ValueError(f"symbols must be among {sorted(SYMBOLS)}")
        if set(margin.values()) - set(MARGIN_TYPES) or not all(1 <= n <= 125 for n in leverage.values()):
            raise ValueError(f"margin types are {MARGIN_TYPES}; leverage is 1 to 125")
        multi = bool(doc.get("multi_assets", s.multi_assets))
        if multi and "ISOLATED" in margin.values():
            raise ValueError("an ISOLATED symbol is not allowed in Multi-Assets mode")
        fee_asset = str(doc.get("fee_asset", s.fee_asset))
        if fee_asset not in FEE_ASSETS:
            raise ValueError(f"fee_asset must be one of {FEE_ASSETS}")
        bnb_price = _decimal(doc.get("bnb_price", s.bnb_price), "bnb_price")
        if bnb_price <= 0:
            raise ValueError("bnb_price must be positive")
        s.margin_type, acct.leverage, s.multi_assets = margin, leverage, multi
        s.fee_asset, s.bnb_price = fee_asset, bnb_price
        s.dual_side = bool(doc.get("dual_side", s.dual_side))
        expire = doc.get("expire_close_position_on_flat", s.expire_close_position_on_flat)
        s.expire_close_position_on_flat = bool(expire)
        acct.bnb_balance = _decimal(doc.get("bnb_balance", acct.bnb_balance), "bnb_balance")
        acct.balance = _decimal(doc.get("balance", acct.balance), "balance")
        if "read_only_keys" in doc:
            self._auth.read_only = {str(k) for k in doc["read_only_keys"]}
        return self.settings_view()

    def settings_view(self) -> dict[str, Any]:
        acct, s = self.account, self.account.settings
        return {
            "dual_side": s.dual_side,
            "multi_assets": s.multi_assets,
            "margin_type": {sym: s.margin_type_of(sym) for sym in SYMBOLS},
            "leverage": {sym: acct.leverage_of(sym) for sym in SYMBOLS},
            "read_only_keys": sorted(self._auth.read_only),
            "fee_asset": s.fee_asset,
            "bnb_price": f"{s.bnb_price:f}",
            "bnb_balance": f"{acct.bnb_balance:f}",
            "balance": f"{acct.balance:f}",
            "expire_close_position_on_flat": s.expire_close_position_on_flat,
            "trigger": dataclasses.asdict(s.trigger),
        }

    def state(self) -> dict[str, Any]:
        """``GET /_sim/state``'s ``account`` (money to 8 dp): enough to check a bot's books against the
        exchange's to the cent."""
        acct = self.account
        positions = {}
        for symbol, pos in sorted(acct.positions.items()):
            mark = acct.mark(symbol)
            if pos.amt:
                positions[symbol] = {
                    "amount": f"{pos.amt:f}",
                    "entry": f"{pos.entry:f}",
                    "mark": _m(mark) if mark is not None else None,
                    "unrealized": _m(pos.amt * (mark - pos.entry)) if mark is not None else _m(ZERO),
                    "margin_type": acct.settings.margin_type_of(symbol),
                    "isolated_wallet": _m(pos.isolated_wallet),
                }
        return {
            "settings": self.settings_view(),
            "wallet": {"USDT": _m(acct.balance), "BNB": _m(acct.bnb_balance)},
            "unrealized": _m(acct.unrealized()),
            "available": _m(acct.available()),
            "positions": positions,
            "open_orders": sum(1 for o in acct.orders.values() if o.is_open),
            "open_algo_orders": sum(1 for a in acct.algos.values() if a.status == "NEW"),
            "bnb_fees": {"BNB": _m(self.ledger.bnb_fees), "USDT": _m(self.ledger.bnb_fees_usdt)},
            "marks": {s: _m(m) for s in sorted(self._market.symbols) if (m := self.marks.mark(s)) is not None},
            "funding": {"rate": f"{self.funding_rate:f}", "every_8h": self.funding_every_8h},
            "trigger_refusals": [dataclasses.asdict(r) for r in acct.refusals],
            "algo_query_denials": self.algo_query_denials,
            "trades": len(self.ledger.trades),
        }


def _m(value: Decimal) -> str:
    return f"{value:.8f}"


def _decimal_or_none(raw: str) -> Decimal | None:
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None
