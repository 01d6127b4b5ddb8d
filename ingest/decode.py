"""Binance market frames → `md.<SYMBOL>` envelopes, without pydantic on the hot path.

`parse_frame` unwraps a raw WebSocket text frame; `FrameDecoder.decode` turns its payload into an
`MdEvent` whose `envelope` dict serialises (orjson) to exactly the bytes `schemas.registry.encode` gives
for the same event built through the pydantic models (tests/ingest/test_decode.py holds that line).
Decimals are validated and canonicalised with `str(Decimal(s))`, which is what pydantic writes.

Ids come from the frame's natural key, so a frame delivered again after a reconnect (or a closed kline
fetched again by REST) gets the same id and downstream can recognise the duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import orjson

from schemas.envelope import derive_id
from schemas.market import BookTickerUpdated, KlineClosed, KlineUpdated, LiquidationObserved
from schemas.types import ALL_SYMBOLS

Kind = Literal["liquidation", "kline", "book"]
SOURCE = "ingest"
SAMPLE_CHARS = 300

_LIQ = (LiquidationObserved.TYPE, LiquidationObserved.VERSION)
_KLINE_OPEN = (KlineUpdated.TYPE, KlineUpdated.VERSION)
_KLINE_CLOSED = (KlineClosed.TYPE, KlineClosed.VERSION)
_BOOK = (BookTickerUpdated.TYPE, BookTickerUpdated.VERSION)
_SIDES = ("BUY", "SELL")


@dataclass(frozen=True, slots=True)
class MdEvent:
    """One market-data event, ready to publish: `orjson.dumps(envelope)` is the stream field."""

    stream: str
    symbol: str
    kind: Kind
    id: str
    ts: int
    envelope: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A frame that produced no event. `reason` is the kind it is counted and logged under."""

    reason: str
    detail: str
    sample: str
    malformed: bool


@dataclass(frozen=True, slots=True)
class Frame:
    """A parsed WebSocket frame: the stream it came on (None on a raw connection) and its payload."""

    stream: str | None
    data: dict[str, Any]


class _Bad(ValueError):
    pass


def _sample(raw: str | bytes | dict[str, Any]) -> str:
    if isinstance(raw, dict):
        raw = orjson.dumps(raw)
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return text[:SAMPLE_CHARS]


def parse_frame(raw: str | bytes) -> Frame | Skipped:
    """Unwrap `{"stream", "data"}`; subscription replies and error replies come back as Skipped."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Skipped("bad_json", str(exc), _sample(raw), malformed=True)
    if not isinstance(obj, dict):
        return Skipped("not_an_object", type(obj).__name__, _sample(raw), malformed=False)
    data = obj.get("data")
    if isinstance(data, dict) and "stream" in obj:
        stream = obj["stream"]
        return Frame(stream if isinstance(stream, str) else None, data)
    if "e" in obj:
        return Frame(None, obj)
    if "result" in obj and "id" in obj:
        return Skipped("reply", "subscription reply", _sample(raw), malformed=False)
    if "code" in obj and "msg" in obj:
        return Skipped("error_reply", str(obj.get("msg")), _sample(raw), malformed=False)
    return Skipped("unknown_frame", "no event type", _sample(raw), malformed=False)


def _dec(value: object) -> Decimal:
    if type(value) is not str:
        raise _Bad(f"number {value!r} is not a string")
    number = Decimal(value)
    if not number.is_finite():
        raise _Bad(f"number {value!r} is not finite")
    return number


def _num(value: object) -> str:
    return str(_dec(value))


def _int(value: object) -> int:
    if type(value) is not int:
        raise _Bad(f"{value!r} is not an integer")
    return value


def _str(value: object) -> str:
    if type(value) is not str:
        raise _Bad(f"{value!r} is not a string")
    return value


def envelope(event: tuple[str, int], event_id: str, ts: int, recv_ts: int, payload: dict[str, Any],
             source: str = SOURCE) -> dict[str, Any]:
    """The envelope as `Envelope.model_dump(mode="json")` lays it out (same keys, same order)."""
    return {"id": event_id, "type": event[0], "v": event[1], "ts": ts, "recv_ts": recv_ts, "source": source,
            "correlation_id": None, "causation_id": None, "payload": payload}


def kline_payload(symbol: str, interval: str, open_time: int, close_time: int, o: object, h: object,
                  lo: object, c: object, v: object, q: object, n: object) -> dict[str, Any]:
    return {"symbol": symbol, "interval": interval, "open_time": open_time, "close_time": close_time,
            "open": _num(o), "high": _num(h), "low": _num(lo), "close": _num(c), "volume": _num(v),
            "quote_volume": _num(q), "trades": _int(n)}


def kline_closed_id(symbol: str, open_time: int, close_time: int) -> str:
    # Independent of E and of stream-vs-REST, so a re-warmed candle repeats its id.
    return derive_id(f"md/{symbol}/kline/{open_time}/closed", 0, close_time)


class FrameDecoder:
    """Frame payload → MdEvent (or Skipped). Accepts the schema's symbols; everything else is skipped."""

    def __init__(self, symbols: Iterable[str] = ALL_SYMBOLS, source: str = SOURCE) -> None:
        self.symbols = frozenset(symbols)
        self.source = source

    def decode(self, data: dict[str, Any], recv_ts: int) -> MdEvent | Skipped:
        kind = data.get("e")
        try:
            if kind == "forceOrder":
                return self._liquidation(data, recv_ts)
            if kind == "kline":
                return self._kline(data, recv_ts)
            if kind == "bookTicker":
                return self._book(data, recv_ts)
        except KeyError as exc:
            return Skipped(f"{kind}:missing_field", f"missing {exc.args[0]!r}", _sample(data), malformed=True)
        except (_Bad, InvalidOperation, TypeError, AttributeError) as exc:
            return Skipped(f"{kind}:bad_value", str(exc) or type(exc).__name__, _sample(data), malformed=True)
        return Skipped(f"unexpected_event:{kind}", "not a stream ingest uses", _sample(data), malformed=False)

    def _symbol(self, value: object, data: dict[str, Any]) -> str | Skipped:
        if value in self.symbols:
            return str(value)
        return Skipped("unexpected_symbol", f"symbol {value!r}", _sample(data), malformed=False)

    def _liquidation(self, data: dict[str, Any], recv_ts: int) -> MdEvent | Skipped:
        o = data["o"]
        symbol = self._symbol(o["s"], data)
        if isinstance(symbol, Skipped):
            return symbol
        side, ap, z, trade_time = o["S"], o["ap"], o["z"], _int(o["T"])
        if side not in _SIDES:
            raise _Bad(f"side {side!r}")
        avg, qty = _dec(ap), _dec(z)
        price = o.get("p")
        payload = {"symbol": symbol, "side": side, "avg_price": str(avg), "qty": str(qty),
                   "usd_value": str(avg * qty), "price": None if price is None else _num(price),
                   "status": _str(o.get("X", "FILLED")), "trade_time": trade_time}
        event_id = derive_id(f"md/{symbol}/liq/{trade_time}/{side}/{z}/{ap}", 0, trade_time)
        return MdEvent(f"md.{symbol}", symbol, "liquidation", event_id, trade_time,
                       envelope(_LIQ, event_id, trade_time, recv_ts, payload, self.source))

    def _kline(self, data: dict[str, Any], recv_ts: int) -> MdEvent | Skipped:
        k = data["k"]
        symbol = self._symbol(k["s"], data)
        if isinstance(symbol, Skipped):
            return symbol
        open_time, close_time, closed = _int(k["t"]), _int(k["T"]), k["x"]
        if type(closed) is not bool:
            raise _Bad(f"x {closed!r} is not a boolean")
        payload = kline_payload(symbol, _str(k["i"]), open_time, close_time, k["o"], k["h"], k["l"], k["c"],
                                k["v"], k["q"], k["n"])
        if closed:
            event_id, ts, event = kline_closed_id(symbol, open_time, close_time), close_time, _KLINE_CLOSED
        else:
            ts = _int(data["E"])
            event_id, event = derive_id(f"md/{symbol}/kline/{open_time}/{ts}", 0, ts), _KLINE_OPEN
        return MdEvent(f"md.{symbol}", symbol, "kline", event_id, ts,
                       envelope(event, event_id, ts, recv_ts, payload, self.source))

    def _book(self, data: dict[str, Any], recv_ts: int) -> MdEvent | Skipped:
        symbol = self._symbol(data["s"], data)
        if isinstance(symbol, Skipped):
            return symbol
        ts, update_id = _int(data["E"]), _int(data["u"])
        payload = {"symbol": symbol, "bid": _num(data["b"]), "bid_qty": _num(data["B"]),
                   "ask": _num(data["a"]), "ask_qty": _num(data["A"]), "update_id": update_id}
        event_id = derive_id(f"md/{symbol}/book/{update_id}/{ts}", 0, ts)
        return MdEvent(f"md.{symbol}", symbol, "book", event_id, ts,
                       envelope(_BOOK, event_id, ts, recv_ts, payload, self.source))

    def kline_from_rest(self, symbol: str, row: list[Any], recv_ts: int) -> MdEvent:
        """A closed candle from `GET /fapi/v1/klines` ([t, o, h, l, c, v, T, q, n, V, Q, B]) as the
        same KlineClosed (same id) the stream gives for it. Raises ValueError on a bad row."""
        try:
            open_time, close_time = _int(row[0]), _int(row[6])
            payload = kline_payload(symbol, "1m", open_time, close_time, row[1], row[2], row[3], row[4],
                                    row[5], row[7], row[8])
        except (IndexError, InvalidOperation) as exc:
            raise ValueError(f"bad kline row {row!r}: {exc}") from exc
        event_id = kline_closed_id(symbol, open_time, close_time)
        return MdEvent(f"md.{symbol}", symbol, "kline", event_id, close_time,
                       envelope(_KLINE_CLOSED, event_id, close_time, recv_ts, payload, self.source))


def encode_event(event: MdEvent) -> bytes:
    return orjson.dumps(event.envelope)
