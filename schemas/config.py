"""The bot's configuration (seed §12 plus the fields DESIGN adds), with the operator's safety ranges."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from schemas.types import Symbol


def _number_only(value: object) -> object:
    # a string where a number belongs is an error, not a silent coercion
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON number, not a string or boolean")
    return value


def _as_json_number(value: Decimal) -> int | float:
    # keep the written form: 2500000 stays an integer, 2.0 stays 2.0 (so a round trip is exact)
    exponent = value.as_tuple().exponent
    return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)


# Decimal inside, a plain JSON number on the wire, like the seed's example config.
Num = Annotated[Decimal, BeforeValidator(_number_only), PlainSerializer(_as_json_number, when_used="json")]


def _seed_min_liq_usd() -> dict[Symbol, Decimal]:
    return {"BTCUSDT": Decimal(2_500_000), "ETHUSDT": Decimal(1_250_000)}


def _seed_max_spread_bps() -> dict[Symbol, Decimal]:
    return {"BTCUSDT": Decimal(3), "ETHUSDT": Decimal(4)}


def _seed_symbols() -> list[Symbol]:
    return ["BTCUSDT", "ETHUSDT"]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RiskConfig(_Strict):
    risk_per_trade_pct: Annotated[Num, Field(gt=0, le=Decimal("0.01"))] = Decimal("0.0025")
    daily_max_loss_pct: Annotated[Num, Field(gt=0, le=Decimal("0.05"))] = Decimal("0.015")
    max_trades_per_day: Annotated[StrictInt, Field(ge=1, le=50)] = 10
    max_consecutive_losses: Annotated[StrictInt, Field(ge=1, le=10)] = 3
    pause_after_consecutive_losses_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] = 60
    max_margin_per_trade_pct: Annotated[Num, Field(gt=0, le=Decimal("0.5"))] = Decimal("0.20")


class SignalConfig(_Strict):
    liq_window_seconds: Annotated[StrictInt, Field(ge=5, le=600)] = 60
    min_liq_usd: dict[Symbol, Annotated[Num, Field(gt=0)]] = Field(default_factory=_seed_min_liq_usd)
    volume_lookback: Annotated[StrictInt, Field(ge=2, le=240)] = 20
    volume_mult: Annotated[Num, Field(ge=1, le=20)] = Decimal("2.0")
    exhaustion_candles: Annotated[StrictInt, Field(ge=1, le=10)] = 2
    max_spread_bps: dict[Symbol, Annotated[Num, Field(gt=0, le=50)]] = Field(default_factory=_seed_max_spread_bps)
    symbol_cooldown_seconds: Annotated[StrictInt, Field(ge=0, le=86_400)] = 300
    max_setup_age_seconds: Annotated[StrictInt, Field(ge=60, le=3600)] = 600
    stale_data_seconds: Annotated[StrictInt, Field(ge=2, le=120)] = 10

    def cooldown_until(self, closed_ts: int) -> int:
        """The rule the strategy and the governor both apply: no new setup on a symbol until this epoch ms,
        counted from the close of its last trade."""
        return closed_ts + self.symbol_cooldown_seconds * 1000


class ExecutionConfig(_Strict):
    tp_pct: Annotated[Num, Field(ge=Decimal("0.0025"), le=Decimal("0.0045"))] = Decimal("0.0035")
    sl_pct: Annotated[Num, Field(ge=Decimal("0.0035"), le=Decimal("0.0050"))] = Decimal("0.0045")
    time_stop_seconds: Annotated[StrictInt, Field(ge=120, le=180)] = 150
    entry_fill_timeout_ms: Annotated[StrictInt, Field(ge=100, le=10_000)] = 800
    use_market_if_not_filled: StrictBool = True
    # What the exchange-side stop and take profit trigger on. MARK_PRICE: a liquidation wick in the last
    # price does not trip them; CONTRACT_PRICE does.
    working_type: Literal["MARK_PRICE", "CONTRACT_PRICE"] = "MARK_PRICE"
    # Binance's priceProtect: no trigger while the last price is further than the symbol's triggerProtect
    # (5%) from the mark. Off by default: with MARK_PRICE it can only delay a stop.
    price_protect: StrictBool = False
    # A position or order in one of our symbols that is not ours, found at boot: "halt" stays up in ERROR
    # naming it (an operator decides); "close" cancels and closes it at market, each with an incident.
    on_foreign_position: Literal["halt", "close"] = "halt"


class PaperConfig(_Strict):
    starting_equity_usdt: Annotated[Num, Field(gt=0)] = Decimal(1350)
    slippage_bps: Annotated[Num, Field(ge=0, le=50)] = Decimal(1)
    maker_fee_rate: Annotated[Num, Field(ge=0, le=Decimal("0.01"))] = Decimal("0.0002")
    taker_fee_rate: Annotated[Num, Field(ge=0, le=Decimal("0.01"))] = Decimal("0.0005")


class DisplayConfig(_Strict):
    zar_per_usdt: Annotated[Num, Field(gt=0)] = Decimal("18.50")
    zar_rate_source: str = "manual"


class FeatureFlags(_Strict):
    enable_sol: StrictBool = False
    enable_momentum_variant: StrictBool = False


class RetentionConfig(_Strict):
    """How long the audit log keeps what can be pruned (book tickers, forming klines, INFO logs, heartbeats
    but one an hour): whole UTC days before today. Decisions and money, liquidations, closed klines and
    WARNING+ logs are kept for good whatever this says (projector/families.py). At least 2 days, so a
    replay of yesterday always has its market data."""

    replay_window_days: Annotated[StrictInt, Field(ge=2, le=90)] = 7


class BotConfig(_Strict):
    version: Annotated[StrictInt, Field(ge=1)] = 1
    mode: Literal["paper", "live"] = "paper"
    symbols: Annotated[list[Symbol], Field(min_length=1)] = Field(default_factory=_seed_symbols)
    leverage: Annotated[StrictInt, Field(ge=1, le=3)] = 2
    # set per symbol at boot; ISOLATED: a stuck position can lose its own margin only, not the wallet
    margin_type: Literal["ISOLATED", "CROSSED"] = "ISOLATED"
    day_boundary_tz: Literal["Africa/Johannesburg", "UTC"] = "Africa/Johannesburg"
    risk: RiskConfig = Field(default_factory=RiskConfig)
    signal: SignalConfig = Field(default_factory=SignalConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    paper: PaperConfig = Field(default_factory=PaperConfig)
    display: DisplayConfig = Field(default_factory=DisplayConfig)
    feature_flags: FeatureFlags = Field(default_factory=FeatureFlags)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    @field_validator("symbols")
    @classmethod
    def _unique(cls, symbols: list[Symbol]) -> list[Symbol]:
        if len(set(symbols)) != len(symbols):
            raise ValueError("symbols must not repeat")
        return symbols

    @field_validator("day_boundary_tz")
    @classmethod
    def _known_zone(cls, tz: str) -> str:
        try:
            ZoneInfo(tz)
        except ZoneInfoNotFoundError as exc:  # tzdata missing on the host
            raise ValueError(f"time zone {tz} is not available on this machine") from exc
        return tz

    @model_validator(mode="after")
    def _coherent(self) -> BotConfig:
        if "SOLUSDT" in self.symbols and not self.feature_flags.enable_sol:
            raise ValueError("symbols: SOLUSDT requires feature_flags.enable_sol = true")
        for symbol in self.symbols:
            if symbol not in self.signal.min_liq_usd:
                raise ValueError(f"signal.min_liq_usd.{symbol}: missing threshold for enabled symbol")
            if symbol not in self.signal.max_spread_bps:
                raise ValueError(f"signal.max_spread_bps.{symbol}: missing limit for enabled symbol")
        return self


def effective_risk_pct(config: BotConfig) -> Decimal:
    """Risk per trade once the margin cap is applied (DESIGN §5).

    Notional is capped at equity × max_margin × leverage, so the loss at the stop is capped at
    equity × max_margin × leverage × sl_pct. The cap can only lower risk, never raise it.
    """
    cap = config.risk.max_margin_per_trade_pct * config.leverage * config.execution.sl_pct
    return min(config.risk.risk_per_trade_pct, cap)


def margin_needed_pct(config: BotConfig) -> Decimal:
    """Margin, as a share of equity, that the uncapped risk-based size would need."""
    return config.risk.risk_per_trade_pct / config.execution.sl_pct / config.leverage


def active_symbols(config: BotConfig) -> tuple[Symbol, ...]:
    return tuple(s for s in config.symbols if s != "SOLUSDT" or config.feature_flags.enable_sol)
