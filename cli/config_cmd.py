"""`liqfade config validate FILE [--equity USDT]`: one line per problem, or a summary with effective risk."""

from __future__ import annotations

import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import orjson
from pydantic import BaseModel, ValidationError

from schemas.config import BotConfig, active_symbols, effective_risk_pct, margin_needed_pct

EXIT_INVALID = 2


def problems(error: ValidationError) -> list[str]:
    """`field.path: message (got VALUE; allowed RANGE)` for each error, in the order pydantic found them."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(config)"
        message = re.sub(r"Decimal\('([^']*)'\)", r"\1", item["msg"].removeprefix("Value error, "))
        got = item.get("input")
        notes = [] if isinstance(got, dict) or item["type"] == "missing" else [f"got {got!r}"]
        allowed = allowed_range(item["loc"])
        if allowed:
            notes.append(f"allowed {allowed}")
        lines.append(f"{where}: {message}" + (f" ({'; '.join(notes)})" if notes else ""))
    return lines


def allowed_range(loc: tuple[int | str, ...]) -> str:
    """The bounds declared on the field at `loc`, as "0.0035 to 0.0050", or "" if it has none."""
    model: type[BaseModel] = BotConfig
    info = None
    for part in loc:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is None:
            return ""
        info = field
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            model = field.annotation
    if info is None:
        return ""
    low = high = None
    for bound in info.metadata:
        low = getattr(bound, "ge", getattr(bound, "gt", low))
        high = getattr(bound, "le", getattr(bound, "lt", high))
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low} to {'' if high is None else high}".strip()


def parse(raw: bytes) -> BotConfig:
    return BotConfig.model_validate_json(raw)


def validate(path: str, equity: str | None) -> int:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
        return EXIT_INVALID
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        print(f"{path}: invalid JSON: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        config = parse(raw)
    except ValidationError as exc:
        for line in problems(exc):
            print(line, file=sys.stderr)
        return EXIT_INVALID
    print(summary(config, equity))
    return 0


def summary(config: BotConfig, equity: str | None) -> str:
    effective = effective_risk_pct(config)
    needed = margin_needed_pct(config)
    capped = effective < config.risk.risk_per_trade_pct
    lines = [
        f"config v{config.version} is valid ({config.mode} mode, day boundary {config.day_boundary_tz})",
        f"symbols: {', '.join(active_symbols(config))}; leverage {config.leverage}x",
        f"exits: TP {_pct(config.execution.tp_pct)}, SL {_pct(config.execution.sl_pct)}, "
        f"time stop {config.execution.time_stop_seconds}s",
        f"risk per trade: configured {_pct(config.risk.risk_per_trade_pct)}, "
        f"effective {_pct(effective)} after the {_pct(config.risk.max_margin_per_trade_pct)} margin cap"
        + (f" (the cap binds: full risk would need {_pct(needed)} of equity as margin)" if capped else ""),
        f"daily max loss {_pct(config.risk.daily_max_loss_pct)}, max {config.risk.max_trades_per_day} trades/day, "
        f"pause {config.risk.pause_after_consecutive_losses_minutes} min after "
        f"{config.risk.max_consecutive_losses} losses in a row",
    ]
    if equity is not None:
        try:
            usdt = Decimal(equity)
        except InvalidOperation:
            usdt = Decimal(0)
        if usdt > 0:
            lines.append(
                f"at equity {usdt} USDT: max loss per trade {(usdt * effective).quantize(Decimal('0.01'))} USDT, "
                f"max margin per trade {(usdt * config.risk.max_margin_per_trade_pct).quantize(Decimal('0.01'))} "
                f"USDT, daily loss limit {(usdt * config.risk.daily_max_loss_pct).quantize(Decimal('0.01'))} USDT"
            )
    return "\n".join(lines)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01')).normalize():f}%"
