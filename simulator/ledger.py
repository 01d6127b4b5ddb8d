"""The server's trade and income history (``GET /fapi/v1/userTrades``, ``GET /fapi/v1/income``), built from
the user-data events the server publishes. Kept out of the pure account so the paper venue's state does
not grow with it.

Row shapes are the docs examples ([doc] Account Trade List, Get Income History pages, qiuham/crypto-api-docs
2026-01). The docs' userTrades example shows a negative ``commission``; ours is the positive amount charged,
as in ORDER_TRADE_UPDATE ``n`` ([inf]). Rows come oldest first ([inf]).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from exchange.records import ZERO, Event

WEEK_MS = 7 * 24 * 3600 * 1000
FILL_EXECUTIONS = ("TRADE", "CALCULATED")


def _money(value: Decimal) -> str:
    return f"{value:.8f}"


class Ledger:
    def __init__(self) -> None:
        self.trades: list[dict[str, Any]] = []
        self.income: list[dict[str, Any]] = []
        self._tran_id = 1_000_000_000
        self.bnb_fees = ZERO  # BNB charged as commission
        self.bnb_fees_usdt = ZERO  # the same, in USDT at the BNB price of each fill

    def record(self, events: Iterable[Event], bnb_price: Decimal, symbol: str = "") -> None:
        """``symbol``: whose funding a FUNDING_FEE update is (a crossed one does not name its position)."""
        for event in events:
            if event.get("e") == "ORDER_TRADE_UPDATE" and event["o"]["x"] in FILL_EXECUTIONS:
                self._trade(event["o"], bnb_price)
            elif event.get("e") == "ACCOUNT_UPDATE" and event["a"]["m"] == "FUNDING_FEE":
                owner = event["a"]["P"][0]["s"] if event["a"]["P"] else symbol
                for bal in event["a"]["B"]:
                    self._income(owner, "FUNDING_FEE", Decimal(bal["bc"]), bal["a"], event["T"], "")

    def _trade(self, o: dict[str, Any], bnb_price: Decimal) -> None:
        price, qty, fee = Decimal(o["L"]), Decimal(o["l"]), Decimal(o["n"])
        self.trades.append(
            {
                "buyer": o["S"] == "BUY",
                "commission": o["n"],
                "commissionAsset": o["N"],
                "id": o["t"],
                "maker": o["m"],
                "orderId": o["i"],
                "price": o["L"],
                "qty": o["l"],
                "quoteQty": f"{(price * qty).normalize():f}",
                "realizedPnl": o["rp"],
                "side": o["S"],
                "positionSide": o["ps"],
                "symbol": o["s"],
                "time": o["T"],
            }
        )
        if Decimal(o["rp"]):
            self._income(o["s"], "REALIZED_PNL", Decimal(o["rp"]), "USDT", o["T"], str(o["t"]))
        if fee:
            self._income(o["s"], "COMMISSION", -fee, o["N"], o["T"], str(o["t"]))
        if o["N"] == "BNB":
            self.bnb_fees += fee
            self.bnb_fees_usdt += fee * bnb_price

    def _income(self, symbol: str, kind: str, amount: Decimal, asset: str, time: int, trade_id: str) -> None:
        self._tran_id += 1
        self.income.append(
            {
                "symbol": symbol,
                "incomeType": kind,
                "income": _money(amount),
                "asset": asset,
                "info": kind,
                "time": time,
                "tranId": self._tran_id,
                "tradeId": trade_id,
            }
        )

    def user_trades(
        self,
        symbol: str,
        now: int,
        order_id: int | None = None,
        start: int | None = None,
        end: int | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Without startTime/endTime/fromId: the last 7 days, the most recent ``limit`` trades ([doc])."""
        rows = [t for t in self.trades if t["symbol"] == symbol and order_id in (None, t["orderId"])]
        if from_id is not None:
            return [t for t in rows if t["id"] >= from_id][:limit]
        lo = start if start is not None else (now - WEEK_MS if end is None else end - WEEK_MS)
        hi = end if end is not None else now
        rows = [t for t in rows if lo <= t["time"] <= hi]
        return rows[-limit:]

    def income_rows(
        self,
        now: int,
        symbol: str | None = None,
        income_type: str | None = None,
        start: int | None = None,
        end: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Without startTime/endTime: the last 7 days ([doc])."""
        lo = start if start is not None else (now - WEEK_MS if end is None else 0)
        hi = end if end is not None else now
        return [
            r
            for r in self.income
            if symbol in (None, r["symbol"]) and income_type in (None, r["incomeType"]) and lo <= r["time"] <= hi
        ][:limit]
