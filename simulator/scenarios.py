"""Scripted scenarios: small JSON (or YAML) files that describe bars, liquidations, book and faults.

Format (times are seconds after ``start``; prices/quantities are strings)::

    {
      "description": "free text",
      "start": "2025-10-22T12:00:00",          # UTC; floored to the minute
      "spread_bps": 1.0,                        # optional default book spread
      "klines": {"BTCUSDT": [["o", "h", "l", "c", "volume"], ...]},   # consecutive 1m bars
      "liquidations": [
        {"at_s": 1205.2, "symbol": "BTCUSDT", "side": "SELL", "price": "107900.0", "qty": "0.5"},
        {"at_s": 1205, "symbol": "BTCUSDT", "side": "SELL", "burst": {"duration_s": 60,
         "every_ms": 500, "qty": "0.5", "price_from": "107900", "price_to": "107300"}}
      ],
      "book": [{"at_s": 0, "symbol": "BTCUSDT", "spread_bps": 0.2}],
      "faults": [{"at_s": 1500, "action": "silence", "route": "market", "seconds": 90}],
      "trigger": {"order": "fill_first", "engine_client_id": "ours"},   # how triggered stops play out
      "account": {"dual_side": false, "multi_assets": false, "margin_type": {"BTCUSDT": "ISOLATED"},
                  "leverage": {"BTCUSDT": 5}, "read_only_keys": ["<api key>"], "fee_asset": "BNB",
                  "bnb_price": "600", "bnb_balance": "1.5", "balance": "10000",
                  "expire_close_position_on_flat": true},
      "funding": {"rate": "0.0001", "at_s": [1340], "every_8h": true},  # every_8h: 00/08/16:00 UTC too
      "mark": {"smoothing_s": 3, "premium_bps": 0}                      # mark = EMA of the book mid
    }

Every key after ``faults`` is optional and defaults to what the server plays without it: trigger order
``fill_first`` with engine client id ``ours`` (see :mod:`exchange.settings`), the account of
:mod:`simulator.exchange`, funding at 0.0001 every 8 h, a mark smoothed over 3 s. ``funding.at_s`` adds
funding payments at those seconds (each is a ``{"action": "funding"}`` fault); the ``faults`` list takes
every action of :mod:`simulator.admin`, including ``refuse_trigger``, ``deny_algo_queries``,
``force_close``, ``funding``, ``trigger_play`` and ``account``.

Scripted liquidations are reduced to Binance's snapshot rule (latest per symbol per 1000 ms window,
pushed at the window's end), so a burst every 500 ms delivers one liquidation per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from exchange.settings import ACCOUNT_KEYS
from simulator.events import Bar, BookSpread, FaultAt, Liquidation, Side
from simulator.sources import MINUTE_MS, iso_to_ms, ms_to_iso, snapshot_liquidations


@dataclass(frozen=True)
class ExchangeSetup:
    """A scenario's exchange-side keys (``trigger``, ``account``, ``funding``, ``mark``); the defaults are
    the server's."""

    trigger: dict[str, str] = field(default_factory=dict)
    account: dict[str, Any] = field(default_factory=dict)
    funding_rate: Decimal = Decimal("0.0001")
    funding_every_8h: bool = True
    mark_smoothing_s: float = 3.0
    mark_premium_bps: Decimal = Decimal(0)


def _keys(section: str, doc: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(doc, dict) or set(doc) - allowed:
        raise ValueError(f"scenario {section!r}: an object with keys among {sorted(allowed)}, not {doc!r}")
    return doc


class Scenario:
    def __init__(self, doc: dict[str, Any], name: str = "scenario") -> None:
        self.name = name
        self.description = str(doc.get("description", ""))
        self.start_ms = iso_to_ms(str(doc["start"])) // MINUTE_MS * MINUTE_MS
        self.spread_bps: float | None = (
            float(doc["spread_bps"]) if doc.get("spread_bps") is not None else None
        )
        self.bars = [bar for sym, rows in doc.get("klines", {}).items() for bar in self._bars(sym, rows)]
        self.liquidations = snapshot_liquidations(
            liq for item in doc.get("liquidations", []) for liq in self._liquidations(item)
        )
        self.book = [
            BookSpread(self._at(b), str(b["symbol"]), float(b["spread_bps"])) for b in doc.get("book", [])
        ]
        self.faults = [
            FaultAt(self._at(f), {k: v for k, v in f.items() if k != "at_s"}) for f in doc.get("faults", [])
        ]
        funding = _keys("funding", doc.get("funding", {}), {"rate", "at_s", "every_8h"})
        mark = _keys("mark", doc.get("mark", {}), {"smoothing_s", "premium_bps"})
        rate = Decimal(str(funding.get("rate", "0.0001")))
        self.exchange = ExchangeSetup(
            trigger=_keys("trigger", doc.get("trigger", {}), {"order", "engine_client_id"}),
            account=_keys("account", doc.get("account", {}), set(ACCOUNT_KEYS)),
            funding_rate=rate,
            funding_every_8h=bool(funding.get("every_8h", True)),
            mark_smoothing_s=float(mark.get("smoothing_s", 3.0)),
            mark_premium_bps=Decimal(str(mark.get("premium_bps", 0))),
        )
        self.faults += [
            FaultAt(self._at({"at_s": at}), {"action": "funding", "rate": f"{rate:f}"})
            for at in funding.get("at_s", [])
        ]

    def _at(self, item: dict[str, Any]) -> int:
        return self.start_ms + round(float(item.get("at_s", 0)) * 1000)

    def _bars(self, symbol: str, rows: list[list[str]]) -> list[Bar]:
        bars = []
        for i, row in enumerate(rows):
            o, h, lo, c, v = (str(x) for x in row[:5])
            if not Decimal(lo) <= min(Decimal(o), Decimal(c)) or not max(Decimal(o), Decimal(c)) <= Decimal(
                h
            ):
                raise ValueError(f"{self.name}: {symbol} bar {i} is not consistent: {row}")
            vol = Decimal(v)
            quote = (vol * (Decimal(o) + Decimal(c)) / 2).quantize(Decimal("0.00001"))
            bars.append(
                Bar(
                    symbol,
                    self.start_ms + i * MINUTE_MS,
                    o,
                    h,
                    lo,
                    c,
                    v,
                    f"{quote:f}",
                    int(vol * 30) + 1,
                    f"{(vol / 2).quantize(Decimal(v)):f}",
                    f"{(quote / 2).quantize(Decimal('0.00001')):f}",
                )
            )
        return bars

    def _liquidations(self, item: dict[str, Any]) -> list[Liquidation]:
        side: Side = "BUY" if item["side"] == "BUY" else "SELL"
        symbol = str(item["symbol"])
        at = self._at(item)
        burst = item.get("burst")
        if burst is None:
            return [Liquidation(at, symbol, side, str(item["price"]), str(item["qty"]), at)]
        every = int(burst["every_ms"])
        count = max(1, int(float(burst["duration_s"]) * 1000) // every)
        p0, p1 = Decimal(str(burst["price_from"])), Decimal(str(burst["price_to"]))
        exp = p0.as_tuple().exponent
        quantum = Decimal(1).scaleb(exp if isinstance(exp, int) else 0)
        out = []
        for k in range(count):
            price = (p0 + (p1 - p0) * k / max(1, count - 1)).quantize(quantum)
            t = at + k * every
            out.append(Liquidation(t, symbol, side, f"{price:f}", str(burst["qty"]), t))
        return out


def load_scenario(path: Path, start_ms: int | None = None) -> Scenario:
    """Load a scenario; `start_ms` (floored to the minute) replaces the file's own `start`."""
    raw = path.read_bytes()
    if path.suffix in (".yaml", ".yml"):
        import yaml  # type: ignore[import-untyped]  # only YAML scenarios need PyYAML

        doc = yaml.safe_load(raw)
    else:
        doc = orjson.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a scenario is a JSON object")
    if start_ms is not None:
        doc = {**doc, "start": ms_to_iso(start_ms)}
    return Scenario(doc, path.stem)


SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


def resolve_scenario(name_or_path: str) -> Path:
    """A path, or the name of a bundled scenario (``long_flush_tp``)."""
    path = Path(name_or_path)
    if path.exists():
        return path
    bundled = SCENARIO_DIR / f"{name_or_path}.json"
    if bundled.exists():
        return bundled
    raise FileNotFoundError(name_or_path)
