"""Every event type round-trips; unknown, newer and malformed entries are skipped with a reason."""

from __future__ import annotations

import orjson
import pytest

from runtime.core import Emit, envelopes
from schemas.envelope import Envelope, derive_id
from schemas.market import LiquidationObserved
from schemas.registry import REGISTRY, SkipEvent, decode, encode, stream_of
from tests.schemas.samples import build

ALL_TYPES = sorted(REGISTRY)


def wrap(payload: object) -> Envelope:
    emit = Emit(payload, correlation_id="BTCUSDT-LONG-1")  # type: ignore[arg-type]
    return envelopes([emit], source="test", cause_id="c", now=1_761_161_861_000)[0]


@pytest.mark.parametrize("type_name", ALL_TYPES)
def test_event_when_encoded_and_decoded_is_equal_and_byte_identical(type_name: str) -> None:
    envelope = wrap(build(REGISTRY[type_name].model))
    raw = encode(envelope)
    decoded = decode(raw)
    assert decoded == envelope
    assert type(decoded.payload) is REGISTRY[type_name].model
    assert encode(decoded) == raw


def test_catalogue_when_loaded_covers_every_design_stream() -> None:
    streams = {spec.stream for spec in REGISTRY.values()}
    assert {"md.{symbol}", "feed", "signals", "commands", "intents", "state", "executions"} <= streams
    assert len(ALL_TYPES) >= 40


def test_decode_when_type_unknown_skips_with_reason() -> None:
    raw = orjson.dumps({"id": "x", "type": "MartingaleStarted", "v": 1, "ts": 1, "source": "?", "payload": {}})
    with pytest.raises(SkipEvent) as info:
        decode(raw)
    assert info.value.kind == "unknown_type"


def test_decode_when_version_newer_skips_with_reason() -> None:
    data = orjson.loads(encode(wrap(build(LiquidationObserved))))
    data["v"] = 2
    with pytest.raises(SkipEvent) as info:
        decode(orjson.dumps(data))
    assert info.value.kind == "newer_version"


@pytest.mark.parametrize("raw", [b"not json", b"[1,2]", b'{"type":"LiquidationObserved","v":"one"}',
                                 b'{"id":"x","type":"LiquidationObserved","v":1,"ts":1,"source":"s","payload":{}}'])
def test_decode_when_malformed_skips_with_reason(raw: bytes) -> None:
    with pytest.raises(SkipEvent) as info:
        decode(raw)
    assert info.value.kind == "malformed"


def test_decimal_fields_when_encoded_are_strings_not_floats() -> None:
    envelope = wrap(build(LiquidationObserved))
    payload = orjson.loads(encode(envelope))["payload"]
    assert payload["avg_price"] == "1.25"


def test_derive_id_when_same_cause_and_position_is_identical_and_sortable_by_time() -> None:
    assert derive_id("cause", 0, 5) == derive_id("cause", 0, 5)
    assert derive_id("cause", 0, 5) != derive_id("cause", 1, 5)
    assert derive_id("z", 0, 1_000) < derive_id("a", 0, 1_001)


def test_stream_of_market_event_is_its_symbol_stream() -> None:
    assert stream_of(build(LiquidationObserved)) == "md.BTCUSDT"
