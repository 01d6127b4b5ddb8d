"""Read endpoints over data the real projector wrote: filters, pagination, time zones, state, metrics."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal as D

import psycopg
from fastapi.testclient import TestClient

from api.queries import day_window
from runtime.settings import Settings
from schemas.market import BookTickerUpdated
from schemas.positions import PositionOpened
from schemas.types import ExitReason
from tests.api.conftest import project
from tests.projector.session import REJECTED, SETUP, T0, closed_trade, heartbeat, recorded_session, wrap

HOUR = 3_600_000


def many_trades() -> list:  # type: ignore[type-arg]
    """24 trades, one an hour from T0: BTC on even hours, ETH on odd; every third a loss; reasons cycle."""
    reasons = [ExitReason.TP, ExitReason.SL, ExitReason.TIME_STOP]
    return [closed_trade(f"X-{i}", T0 + i * HOUR, "-1.5" if i % 3 == 0 else "2.0", reasons[i % 3],
                         symbol="BTCUSDT" if i % 2 == 0 else "ETHUSDT", side="LONG" if i < 12 else "SHORT")
            for i in range(24)]


def test_trades_when_filtered_and_paged_returns_matching_rows_and_total(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, many_trades())

    page = client.get("/api/trades", params={"limit": 5, "offset": 5}, headers=auth).json()
    assert page["count"] == 24 and len(page["data"]) == 5
    assert page["data"][0]["setup_id"] == "X-18"  # newest first
    btc = client.get("/api/trades", params={"symbol": "BTCUSDT", "limit": 100}, headers=auth).json()
    assert btc["count"] == 12 and {t["symbol"] for t in btc["data"]} == {"BTCUSDT"}
    losses = client.get("/api/trades", params={"result": "loss", "reason": "TP"}, headers=auth).json()
    assert losses["count"] == 8 and all(float(t["pnl_usdt"]) < 0 for t in losses["data"])
    wins = client.get("/api/trades", params={"result": "win", "side": "SHORT"}, headers=auth).json()
    assert wins["count"] == 8
    first = btc["data"][-1]
    assert first["duration_s"] == 60.0 and first["entry"] == "95000.0" and first["timestamp"].endswith("Z")


def test_trades_when_closed_by_the_exchange_show_funding_fee_assets_and_filter_by_reason(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, [*many_trades()[:3],
                       closed_trade("LIQ-1", T0 + 30 * HOUR, "-40.1", ExitReason.LIQUIDATION, funding="-0.0412",
                                    fees_by_asset={"BNB": "0.00105", "USDT": "0.02"}),
                       closed_trade("ADL-1", T0 + 31 * HOUR, "3.0", ExitReason.ADL)])

    liquidated = client.get("/api/trades", params={"reason": "LIQUIDATION"}, headers=auth).json()

    assert liquidated["count"] == 1
    [trade] = liquidated["data"]
    assert (trade["setup_id"], trade["funding_usdt"], trade["fees"]) == ("LIQ-1", "-0.0412", "0.66")
    assert trade["fees_by_asset"] == {"BNB": "0.00105", "USDT": "0.02"}
    assert client.get("/api/trades", params={"reason": "ADL"}, headers=auth).json()["count"] == 1
    assert client.get("/api/trades", params={"reason": "EXTERNAL"}, headers=auth).json()["count"] == 0
    plain = client.get("/api/trades", params={"reason": "TP"}, headers=auth).json()["data"][0]
    assert (plain["funding_usdt"], plain["fees_by_asset"]) == ("0", {"USDT": "0.66"})


def test_trades_when_range_given_in_other_time_zones_means_the_same_instant(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, many_trades())

    utc = client.get("/api/trades", params={"from": "2026-01-01T03:00:00Z", "to": "2026-01-01T06:00:00Z"},
                     headers=auth).json()
    sast = client.get("/api/trades", params={"from": "2026-01-01T05:00:00+02:00",
                                             "to": "2026-01-01T08:00:00+02:00"}, headers=auth).json()
    naive = client.get("/api/trades", params={"from": "2026-01-01T03:00:00", "to": "2026-01-01T06:00:00"},
                       headers=auth).json()
    assert utc == sast == naive
    assert [t["setup_id"] for t in utc["data"]] == ["X-5", "X-4", "X-3"]  # `to` is exclusive


def test_trades_when_params_invalid_is_422_naming_the_field(client: TestClient, auth: dict[str, str]) -> None:
    for params, field in [({"symbol": "DOGEUSDT"}, "query.symbol"), ({"limit": 0}, "query.limit"),
                          ({"from": "yesterday"}, "query.from"), ({"result": "draw"}, "query.result")]:
        response = client.get("/api/trades", params=params, headers=auth)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
    assert client.get("/api/trades", params={"from": "1900-01-01T00:00:00Z"}, headers=auth).status_code == 422


def test_events_when_filtered_returns_setups_with_outcome(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, recorded_session())

    everything = client.get("/api/events", headers=auth).json()
    assert everything["count"] == 3
    passed = client.get("/api/events", params={"passed": "true"}, headers=auth).json()
    assert [(e["setup_id"], e["stage"], e["volume_mult"], e["liq_usd"]) for e in passed["data"]] == [
        (SETUP, "approved", 3.0, "2853000")]
    spread = client.get("/api/events", params={"reason": "spread", "symbol": "ETHUSDT"}, headers=auth).json()
    assert [(e["setup_id"], e["passed"], e["spread_bps"]) for e in spread["data"]] == [(REJECTED, False, 5.1)]
    window = client.get("/api/events", params={"from": T0 // 1000 + 2, "to": "2026-01-01T00:02:30Z"},
                        headers=auth).json()
    assert {e["setup_id"] for e in window["data"]} == {REJECTED, "BTCUSDT-SHORT-1767225609000"}


def test_logs_when_filtered_by_level_and_text(client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, recorded_session())

    assert client.get("/api/logs", headers=auth).json()["count"] == 2
    warn = client.get("/api/logs", params={"level": "WARN"}, headers=auth).json()
    assert [(r["level"], r["stack"]) for r in warn["data"]] == [("ERROR", "File x, line 1")]
    assert client.get("/api/logs", params={"q": "CONNECT"}, headers=auth).json()["count"] == 1
    assert client.get("/api/logs", params={"q": "100%_"}, headers=auth).json()["count"] == 0
    assert client.get("/api/logs", params={"limit": 1}, headers=auth).json()["data"][0]["process"] == "ingest"


def test_state_when_session_projected_shows_status_error_and_zar(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, recorded_session())

    state = client.get("/api/state", headers=auth).json()
    assert state["status"] == "PAUSED_MANUAL"
    assert state["equity_usdt"] == "1352.66" and state["equity_zar"] == "25024.21"
    assert state["last_error"]["message"].startswith("executor: order rejected")
    assert state["open_positions"] == []
    assert [p["process"] for p in state["processes"]] == ["api", "projector", "strategy"]  # api: its own


def test_state_when_governor_beats_returns_its_heartbeat_as_it_sent_it(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    beat = heartbeat(T0, pnl="-2.5", trades=1)
    project(settings, [beat])

    state = client.get("/api/state", headers=auth).json()

    assert state["heartbeat"] == beat.payload.model_dump(mode="json")
    assert state["heartbeat"]["day_start_equity"] == "1350" and state["equity_usdt"] == "1347.5"


def test_state_when_stored_heartbeat_has_an_older_shape_shows_none_until_the_next(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, [heartbeat(T0)])
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("""UPDATE bot_state SET heartbeat = '{"status": "RUNNING", "equity": "1"}' WHERE id = 1""")

    state = client.get("/api/state", headers=auth)
    metrics = client.get("/api/metrics/today", headers=auth)

    assert state.status_code == 200 and state.json()["heartbeat"] is None and state.json()["equity_usdt"] is None
    assert metrics.status_code == 200 and metrics.json()["limits_source"] == "computed"


def test_metrics_today_when_trades_today_and_yesterday_counts_only_today_in_config_tz(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    client.post("/api/config/publish", headers={**auth, "Idempotency-Key": "tz-1"},
                json={"config": {"day_boundary_tz": "Africa/Johannesburg"}})
    now = datetime.now(UTC)
    _day, start, _end = day_window("Africa/Johannesburg", now)
    start_ms = int(start.timestamp() * 1000)
    span = max(3, int(time.time() * 1000) - start_ms - 1000)
    trades = [closed_trade("Y-0", start_ms - 1000, "-9")]  # yesterday, in Johannesburg
    trades += [closed_trade(f"T-{i}", start_ms + span * (i + 1) // 4, pnl)
               for i, pnl in enumerate(["2", "-3", "1.5"])]
    project(settings, trades)

    metrics = client.get("/api/metrics/today", headers=auth).json()
    assert (metrics["tz"], metrics["trades"], metrics["wins"], metrics["losses"]) == ("Africa/Johannesburg", 3, 2, 1)
    assert metrics["pnl_usdt"] == "0.5" and metrics["max_drawdown_usdt"] == "3"
    assert metrics["day_start"].endswith("+02:00") and metrics["limits_source"] == "computed"
    assert metrics["trades_left"] == 7 and metrics["win_rate"] == 2 / 3


def test_state_when_position_open_marks_it_to_the_latest_book_ticker(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    opened = wrap(PositionOpened(setup_id="BTCUSDT-LONG-1", symbol="BTCUSDT", side="LONG", qty=D("0.010"),
                                 entry_price=D("95000.0"), stop_price=D("94572.5"), take_profit_price=D("95332.5"),
                                 opened_ts=T0, time_stop_ts=T0 + 150_000), T0, "executor", "BTCUSDT-LONG-1")
    books = [wrap(BookTickerUpdated(symbol="BTCUSDT", bid=D(bid), bid_qty=D("1"), ask=D(bid) + D("0.1"),
                                    ask_qty=D("1"), update_id=i), T0 + 1_000 * i, "ingest")
             for i, bid in enumerate(["95010.0", "95120.5"], start=1)]
    project(settings, [opened, *books])

    [position] = client.get("/api/state", headers=auth).json()["open_positions"]

    assert D(position["mark_price"]) == D("95120.5")  # a LONG exits at the bid
    assert D(position["unrealized_pnl_usdt"]) == D("1.2050")
    assert position["mark_at"].startswith(datetime.fromtimestamp((T0 + 2_000) / 1000, UTC).isoformat()[:19])


def test_state_when_no_book_ticker_seen_leaves_the_position_unmarked(
        client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    project(settings, [wrap(PositionOpened(setup_id="ETHUSDT-SHORT-1", symbol="ETHUSDT", side="SHORT", qty=D("0.1"),
                                           entry_price=D("3000"), stop_price=D("3013.5"),
                                           take_profit_price=D("2989.5"), opened_ts=T0, time_stop_ts=T0 + 150_000),
                            T0, "executor", "ETHUSDT-SHORT-1")])

    [position] = client.get("/api/state", headers=auth).json()["open_positions"]

    assert position["mark_price"] is None and position["unrealized_pnl_usdt"] is None
