"""Simulator configuration (one frozen dataclass, built by the CLI or by tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from exchange.settings import EngineClientId, TriggerOrder

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / "data" / "market"
DEFAULT_LIQUIDATIONS = DEFAULT_DATA_DIR / "binance_um_forceorder_BTCUSDT_ETHUSDT_2025-10-22.csv"
DEFAULT_KLINES = DEFAULT_DATA_DIR / "binance_um_klines_BTCUSDT_1m_2025-10-22.csv"

# A key pair every simulator accepts; tests and the demo use it. The second pair is the Binance docs
# test vector (reference §4.1), so the documented signature can be replayed against the server.
DEFAULT_API_KEY = "liqfade-sim-key"
DEFAULT_API_SECRET = "liqfade-sim-secret"
DOCS_API_KEY = "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
DOCS_API_SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"

TimestampClock = Literal["both", "virtual", "wall"]


def _default_keys() -> dict[str, str]:
    return {DEFAULT_API_KEY: DEFAULT_API_SECRET, DOCS_API_KEY: DOCS_API_SECRET}


@dataclass(frozen=True)
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 8799
    liquidations_csv: Path | None = None
    klines_csv: Path | None = None
    recordings: tuple[Path, ...] = ()
    scenario: Path | None = None
    speed: float = 1.0  # 0 = as fast as possible, order preserved
    start_ms: int | None = None  # virtual start; default = first event of the data
    scenario_start_ms: int | None = None  # replaces the scenario file's `start` (see --live-at)
    spread_bps: float = 1.0
    loop: bool = False
    autoplay: bool = True  # False: wait for POST /_sim/play (lets tests connect first)
    kline_step_ms: int = 250  # virtual ms between intra-minute kline/book updates (Binance: 250 ms)
    eth_book_from_liquidations: bool = True
    api_keys: dict[str, str] = field(default_factory=_default_keys)
    # -1021 is judged against: "virtual" (the simulator clock), "wall" (this machine) or "both" (a
    # timestamp close to either passes: a client synced by /fapi/v1/time or by its own clock both work
    # at any playback speed; a stale timestamp still fails).
    timestamp_clock: TimestampClock = "both"
    listen_key_ttl_ms: int = 60 * 60 * 1000
    ping_interval_s: float = 180.0
    max_connection_age_s: float = 24 * 3600.0
    max_inbound_msgs_per_s: int = 10
    weight_limit_1m: int = 2400
    listen_key_expired_e_as_string: bool = True  # docs fixture has a string; SDK 10.3.0 says int
    initial_balance: Decimal = Decimal("10000")
    leverage_default: int = 20
    read_only_keys: frozenset[str] = frozenset()  # API keys without the trade permission (-2015 on TRADE)
    # how a triggered stop plays out; None: the scenario's "trigger", else fill_first / ours (exchange.settings)
    trigger_order: TriggerOrder | None = None
    engine_client_id: EngineClientId | None = None

    @property
    def uses_default_data(self) -> bool:
        return (
            self.liquidations_csv is None
            and self.klines_csv is None
            and not self.recordings
            and self.scenario is None
        )
