"""The executor core through the replay driver, paper venue inside: deterministic fills and PnL."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from executor.core import make_core
from replay.drivers import ReplayDriver
from schemas.config import BotConfig
from schemas.envelope import Envelope
from schemas.positions import PositionClosed, PositionOpened
from schemas.registry import encode
from tests.executor.events import T0, approved, book, flatten


def run(inputs: list[Envelope], until: int | None = None) -> list[Envelope]:
    driver = ReplayDriver([make_core(BotConfig())])
    return list(driver.run(inputs, until=until))


def closed(outputs: list[Envelope]) -> PositionClosed:
    found = [e.payload for e in outputs if isinstance(e.payload, PositionClosed)]
    assert len(found) == 1, [e.type for e in outputs]
    assert isinstance(found[0], PositionClosed)
    return found[0]


def types(outputs: list[Envelope]) -> list[str]:
    return [e.type for e in outputs]


def long_tp_inputs() -> list[Envelope]:
    return [
        book(T0, "100000.0", "100000.1"),
        approved(T0 + 10, "LONG", "0.010", "100000.1"),
        book(T0 + 100, "99999.9", "100000.0"),  # the ask reaches our bid: the LIMIT fills (maker)
        book(T0 + 5_000, "100360.0", "100360.1"),  # mid above the take profit
    ]


def test_core_when_long_reaches_take_profit_fees_and_slippage_match_hand_computation() -> None:
    out = run(long_tp_inputs())
    assert types(out)[:2] == ["BootChecksCompleted", "AccountUpdated"]
    opened = [e.payload for e in out if isinstance(e.payload, PositionOpened)]
    assert len(opened) == 1 and opened[0].stop_price == Decimal("99550.0")
    assert opened[0].take_profit_price == Decimal("100350.0")
    c = closed(out)
    entry = Decimal("100000.0")
    mid = (Decimal("100360.0") + Decimal("100360.1")) / 2
    # SELL at mid − 1 bp (config.paper.slippage_bps) = 100350.013995, on the tick against us: 100350.0
    exit_price = (mid - mid * Decimal(1) / 10_000).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    assert exit_price == Decimal("100350.0")
    qty = Decimal("0.010")
    fees = qty * entry * Decimal("0.0002") + qty * exit_price * Decimal("0.0005")  # maker in, taker out
    pnl = (exit_price - entry) * qty - fees
    assert c.reason == "TP" and c.qty == qty
    assert c.entry_price == entry and c.exit_price == exit_price.quantize(Decimal("0.00000001"))
    assert c.fees_usdt == fees.quantize(Decimal("0.00000001"))
    assert c.pnl_usdt == pnl.quantize(Decimal("0.00000001"))
    assert c.slippage_bps == ((entry - Decimal("100000.1")) / Decimal("100000.1") * 10_000).quantize(Decimal("0.01"))
    assert c.duration_ms == 4_900


def test_core_when_replayed_twice_outputs_are_byte_identical() -> None:
    first = b"\n".join(encode(e) for e in run(long_tp_inputs()))
    second = b"\n".join(encode(e) for e in run(long_tp_inputs()))
    assert first == second and len(first) > 1000


def test_core_when_short_hits_stop_loss_closes_with_sl() -> None:
    out = run([
        book(T0, "100000.0", "100000.1"),
        approved(T0 + 10, "SHORT", "0.010", "100000.0"),
        book(T0 + 100, "100000.1", "100000.2"),  # the bid reaches our ask: filled at 100000.1
        book(T0 + 3_000, "100460.0", "100460.2"),  # mid above the stop (100450.1 rounded down)
    ])
    c = closed(out)
    assert c.reason == "SL" and c.side == "SHORT" and c.pnl_usdt < 0
    assert c.entry_price == Decimal("100000.1")


def test_core_when_nothing_happens_time_stop_closes_at_market() -> None:
    out = run([
        book(T0, "100000.0", "100000.1"),
        approved(T0 + 10, "LONG", "0.010", "100000.1"),
        book(T0 + 100, "99999.9", "100000.0"),
    ], until=T0 + 200_000)
    c = closed(out)
    assert c.reason == "TIME_STOP" and c.duration_ms == 150_000


def test_core_when_limit_partly_fills_then_times_out_buys_the_rest_at_market() -> None:
    out = run([
        book(T0, "100000.0", "100000.1"),
        approved(T0 + 10, "LONG", "0.010", "100000.1"),
        book(T0 + 100, "99999.9", "100000.0", ask_qty="0.004"),  # only 0.004 at our price
        book(T0 + 900, "100000.1", "100000.2"),
        flatten(T0 + 2_000),
    ])
    fills = [e.payload for e in out if e.type == "OrderFilled"]
    entry_fills = [f for f in fills if getattr(f, "purpose", "") == "ENTRY"]
    assert [(f.fill_qty, f.maker) for f in entry_fills] == [(Decimal("0.004"), True), (Decimal("0.006"), False)]  # type: ignore[attr-defined]
    opened = [e.payload for e in out if isinstance(e.payload, PositionOpened)]
    assert opened[0].qty == Decimal("0.010")
    c = closed(out)
    assert c.reason == "FLATTEN" and c.qty == Decimal("0.010")
    assert "FlattenCompleted" in types(out)


def test_core_when_flattened_while_entering_cancels_and_reports_no_trade() -> None:
    out = run([
        book(T0, "100000.0", "100000.1"),
        approved(T0 + 10, "LONG", "0.010", "100000.1"),
        flatten(T0 + 50),
    ], until=T0 + 5_000)
    assert "OrderCanceled" in types(out) and "PositionClosed" not in types(out)
    assert [e.payload.purpose for e in out if e.type == "OrderSubmitted"] == ["ENTRY"]  # type: ignore[attr-defined]


def test_snapshot_when_a_trade_is_open_is_pydantics_json_byte_for_byte() -> None:
    from executor.state import _ADAPTER, clone, dump

    driver = ReplayDriver([make_core(BotConfig())])
    list(driver.run(long_tp_inputs()[:3]))  # paper boot, the entry filled, stop and take profit resting
    state = driver.states["executor"]

    live = clone(state)
    live.paper, live.mode = None, "live"  # the live executor's state: the same tree without the paper account

    assert live.trades and live.orders and live.filters
    assert dump(live) == _ADAPTER.dump_json(live)
    assert dump(clone(live)) == dump(live)
    assert dump(clone(state)) == dump(state)
