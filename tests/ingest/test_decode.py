"""Frame decoding against the saved Binance payloads (shared/fixtures/binance) and the recorded CSVs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from ingest.decode import FrameDecoder, MdEvent, Skipped, encode_event, parse_frame
from schemas.envelope import Envelope
from schemas.market import BookTickerUpdated, KlineClosed, KlineUpdated, LiquidationObserved
from schemas.registry import REGISTRY, decode, encode
from simulator import payloads
from simulator.sources import kline_ticks, load_klines_csv, load_liquidations_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "binance"
DATA = Path(__file__).resolve().parents[2] / "data" / "market"
RECV = 1_700_000_000_123


def fixture(name: str) -> dict[str, Any]:
    data = orjson.loads((FIXTURES / f"{name}.json").read_bytes())
    assert isinstance(data, dict)
    return data


def decoded(data: dict[str, Any], recv_ts: int = RECV) -> MdEvent:
    event = FrameDecoder().decode(data, recv_ts)
    assert isinstance(event, MdEvent), event
    return event


def reference_bytes(event: MdEvent) -> bytes:
    """The same event built through the pydantic models and schemas.registry.encode."""
    env = event.envelope
    model = REGISTRY[env["type"]].model
    payload = model.model_validate(env["payload"])
    return encode(Envelope(id=env["id"], type=env["type"], v=env["v"], ts=env["ts"], recv_ts=env["recv_ts"],
                           source=env["source"], payload=payload))


def test_decode_when_force_order_fixture_gives_liquidation_observed() -> None:
    frame = fixture("forceOrder")

    event = decoded(frame)

    envelope = decode(encode_event(event))
    payload = envelope.payload
    assert isinstance(payload, LiquidationObserved)
    assert (payload.symbol, payload.side, payload.status) == ("BTCUSDT", "SELL", "FILLED")
    assert payload.avg_price == Decimal("9910") and payload.price == Decimal("9910")
    assert payload.qty == Decimal("0.014")
    assert payload.usd_value == Decimal("138.740")
    assert payload.trade_time == 1568014460893
    assert (envelope.ts, envelope.recv_ts, envelope.source) == (1568014460893, RECV, "ingest")
    assert event.stream == "md.BTCUSDT"
    assert encode_event(event) == reference_bytes(event)


def test_decode_when_same_liquidation_arrives_again_later_same_id() -> None:
    frame = fixture("forceOrder")

    first, again = decoded(frame, RECV), decoded(frame, RECV + 5_000)

    assert first.id == again.id
    assert first.envelope["recv_ts"] != again.envelope["recv_ts"]


def test_decode_when_kline_fixture_open_gives_kline_updated() -> None:
    frame = fixture("kline_1m")

    event = decoded(frame)

    envelope = decode(encode_event(event))
    payload = envelope.payload
    assert isinstance(payload, KlineUpdated)
    assert (payload.symbol, payload.interval, payload.open_time, payload.close_time) == (
        "BTCUSDT", "1m", 1638747660000, 1638747719999)
    assert (payload.open, payload.high, payload.low, payload.close) == (
        Decimal("0.0010"), Decimal("0.0025"), Decimal("0.0015"), Decimal("0.0020"))
    assert (payload.volume, payload.quote_volume, payload.trades) == (Decimal("1000"), Decimal("1.0000"), 100)
    assert envelope.ts == frame["E"]
    assert encode_event(event) == reference_bytes(event)


def test_decode_when_kline_fixture_closed_gives_kline_closed_at_close_time() -> None:
    frame = fixture("kline_1m")
    frame["k"]["x"] = True

    event = decoded(frame)

    envelope = decode(encode_event(event))
    assert isinstance(envelope.payload, KlineClosed)
    assert envelope.ts == frame["k"]["T"]
    assert encode_event(event) == reference_bytes(event)


def test_kline_from_rest_when_same_candle_as_stream_same_id_and_payload() -> None:
    frame = fixture("kline_1m")
    frame["k"]["x"] = True
    k = frame["k"]
    row = [k["t"], k["o"], k["h"], k["l"], k["c"], k["v"], k["T"], k["q"], k["n"], k["V"], k["Q"], "0"]

    from_rest = FrameDecoder().kline_from_rest("BTCUSDT", row, RECV + 1)
    from_stream = decoded(frame)

    assert from_rest.id == from_stream.id
    assert from_rest.envelope["payload"] == from_stream.envelope["payload"]
    assert encode_event(from_rest) == reference_bytes(from_rest)


def test_decode_when_book_ticker_fixture_symbol_not_traded_skips_as_unexpected() -> None:
    frame = fixture("bookTicker")  # BNBUSDT: not a symbol this bot knows

    result = FrameDecoder().decode(frame, RECV)

    assert isinstance(result, Skipped)
    assert (result.reason, result.malformed) == ("unexpected_symbol", False)


def test_decode_when_book_ticker_fixture_for_btc_gives_book_ticker_updated() -> None:
    frame = fixture("bookTicker")
    frame["s"] = "BTCUSDT"

    event = decoded(frame)

    envelope = decode(encode_event(event))
    payload = envelope.payload
    assert isinstance(payload, BookTickerUpdated)
    assert (payload.bid, payload.bid_qty) == (Decimal("25.35190000"), Decimal("31.21000000"))
    assert (payload.ask, payload.ask_qty, payload.update_id) == (
        Decimal("25.36520000"), Decimal("40.66000000"), 400900217)
    assert envelope.ts == frame["E"]
    assert encode_event(event) == reference_bytes(event)


@pytest.mark.parametrize("name", ["aggTrade", "account_update", "order_trade_update", "trade_lite",
                                  "algo_update", "listenKeyExpired", "order_response", "error_-2019",
                                  "exchangeInfo_excerpt"])
def test_decode_when_fixture_is_not_a_market_stream_ingest_uses_skips_gracefully(name: str) -> None:
    raw = (FIXTURES / f"{name}.json").read_bytes()

    parsed = parse_frame(raw)
    result = parsed if isinstance(parsed, Skipped) else FrameDecoder().decode(parsed.data, RECV)

    assert isinstance(result, Skipped)
    assert not result.malformed
    assert result.sample


def test_decode_when_agg_trade_fixture_reason_names_the_event() -> None:
    result = FrameDecoder().decode(fixture("aggTrade"), RECV)

    assert isinstance(result, Skipped) and result.reason == "unexpected_event:aggTrade"


def test_parse_frame_when_combined_wrapper_unwraps_stream_and_data() -> None:
    raw = orjson.dumps({"stream": "btcusdt@forceOrder", "data": fixture("forceOrder")})

    parsed = parse_frame(raw)

    assert not isinstance(parsed, Skipped)
    assert parsed.stream == "btcusdt@forceOrder" and parsed.data == fixture("forceOrder")


@pytest.mark.parametrize(("raw", "reason"), [
    (b'{"result":null,"id":1}', "reply"),
    (b'{"code":2,"msg":"Invalid request"}', "error_reply"),
    (b"[1,2]", "not_an_object"),
    (b'{"stream":"x@y","data":{"e":', "bad_json"),
])
def test_parse_frame_when_not_an_event_skips_with_reason(raw: bytes, reason: str) -> None:
    parsed = parse_frame(raw)

    assert isinstance(parsed, Skipped) and parsed.reason == reason


def test_decode_when_new_fields_added_ignores_them() -> None:
    frame = fixture("forceOrder")
    plain = decoded(frame)
    frame.update({"st": 1, "ps": "BTCUSDT"})
    frame["o"]["er"] = "x"

    assert decoded(frame).envelope == plain.envelope


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda f: f["o"].pop("ap"), "forceOrder:missing_field"),
    (lambda f: f["o"].update(z="abc"), "forceOrder:bad_value"),
    (lambda f: f["o"].update(z=0.014), "forceOrder:bad_value"),
    (lambda f: f["o"].update(ap="NaN"), "forceOrder:bad_value"),
    (lambda f: f["o"].update(S="HOLD"), "forceOrder:bad_value"),
    (lambda f: f["o"].update(T="1568014460893"), "forceOrder:bad_value"),
    (lambda f: f.update(o=[1]), "forceOrder:bad_value"),
])
def test_decode_when_force_order_malformed_skips_as_malformed(mutate: Any, reason: str) -> None:
    frame = fixture("forceOrder")
    mutate(frame)

    result = FrameDecoder().decode(frame, RECV)

    assert isinstance(result, Skipped) and result.malformed and result.reason == reason


def test_decode_when_every_recorded_csv_row_is_replayed_bytes_match_pydantic_encode() -> None:
    liquidations = load_liquidations_csv(DATA / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv")
    bars = load_klines_csv(DATA / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv")
    frames = [payloads.force_order(liq, liq.ts) for liq in liquidations]
    frames += [payloads.kline(t.bar.symbol, t.ts, {
        "t": t.bar.open_time, "T": t.bar.close_time, "s": t.bar.symbol, "i": "1m", "f": 1, "L": 2,
        "o": t.bar.o, "h": t.bar.h, "l": t.bar.l, "c": t.bar.c, "v": t.bar.v, "n": t.bar.n, "x": t.closed,
        "q": t.bar.q, "V": t.bar.V, "Q": t.bar.Q, "B": "0"}) for t in kline_ticks(bars[:20], 15_000)]
    assert len(frames) == 207 + 20 * 5

    events = [decoded(frame, RECV + i) for i, frame in enumerate(frames)]

    for event in events:
        assert encode_event(event) == reference_bytes(event)
    assert len({e.id for e in events}) == len(events)
