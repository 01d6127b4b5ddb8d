"""Which events become alerts, de-duplicated and rate-limited. Pure: time comes in as `now`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from schemas.account import UserStreamChanged
from schemas.envelope import Envelope
from schemas.feed import FeedConnected, FeedReconnecting, FeedRecovered, FeedStale
from schemas.positions import IncidentReported, PositionClosed
from schemas.risk import BotStateChanged, ControlActionResult, RiskLimitHit
from schemas.system import ProcessRestarted
from schemas.types import BotStatus, ExitReason

LIMIT_KINDS = {
    "daily_loss": "daily_loss_pause",
    "consecutive_losses": "loss_streak_pause",
    "naked_position": "risk_limit",
    "venue_ban": "risk_limit",
}
# Positions closed by something other than our own orders: the exchange, or someone else's order.
FORCED_CLOSES = {
    ExitReason.LIQUIDATION: ("liquidation", "liquidated by the exchange"),
    ExitReason.ADL: ("adl", "auto-deleveraged by the exchange"),
    ExitReason.EXTERNAL: ("external_close", "closed by an order that is not ours"),
}
USER_DATA = "user_data"  # the feed key of the executor's user-data stream


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    dedup_key: str
    message: str


@dataclass
class Rules:
    feed_down_ms: int = 30_000
    dedup_window_ms: int = 600_000  # the same alert at most once per window
    max_per_minute: int = 10
    max_event_age_ms: int = 600_000  # history read on a first start is not news
    _last_sent: dict[str, int] = field(default_factory=dict)
    _recent: deque[int] = field(default_factory=deque)
    _down_since: dict[str, tuple[int, str]] = field(default_factory=dict)
    _down_alerted: set[str] = field(default_factory=set)

    def on_event(self, env: Envelope, now: int) -> list[Alert]:
        """Alerts this event raises (feed outages are raised later, by `due`)."""
        p = env.payload
        if isinstance(p, FeedStale):
            self._down(f"{p.symbol}:{p.kind}", env.ts - p.silent_ms, f"{p.symbol} {p.kind} feed stale")
        elif isinstance(p, FeedReconnecting):
            self._down(f"route:{p.route}", env.ts, f"{p.route} stream disconnected ({p.reason})")
        elif isinstance(p, FeedRecovered):
            self._up(f"{p.symbol}:{p.kind}")
        elif isinstance(p, FeedConnected):
            self._up(f"route:{p.route}")
        elif isinstance(p, UserStreamChanged) and not p.connected:
            self._down(USER_DATA, env.ts, f"user-data stream disconnected ({p.detail or 'no detail'})")
        elif isinstance(p, UserStreamChanged):
            self._up(USER_DATA)
        if now - env.ts > self.max_event_age_ms:
            return []
        if isinstance(p, BotStateChanged) and p.to_state == BotStatus.ERROR:
            return [Alert("error_state", "error_state", f"liqfade entered ERROR: {p.cause}")]
        if isinstance(p, RiskLimitHit) and p.limit in LIMIT_KINDS:
            return [Alert(LIMIT_KINDS[p.limit], f"limit:{p.limit}", f"risk limit {p.limit}: {p.detail}")]
        if isinstance(p, ControlActionResult) and p.command == "FlattenRequested" and p.outcome == "accepted":
            return [Alert("flatten", f"flatten:{p.idempotency_key}", f"emergency flatten accepted (by {p.actor})")]
        if isinstance(p, PositionClosed) and p.reason == ExitReason.FLATTEN:
            return [
                Alert(
                    "flatten",
                    f"flatten_close:{p.setup_id}",
                    f"flatten closed {p.symbol} {p.side} {p.qty} at {p.exit_price}, PnL {p.pnl_usdt} USDT",
                )
            ]
        if isinstance(p, PositionClosed) and p.reason in FORCED_CLOSES:
            kind, how = FORCED_CLOSES[p.reason]
            return [Alert(kind, f"{kind}:{p.setup_id}",
                          f"{p.symbol} {p.side} {p.qty} {how} at {p.exit_price}, PnL {p.pnl_usdt} USDT")]
        if isinstance(p, ProcessRestarted) and p.deaths_in_window >= p.alert_after:
            return [Alert("process_restarts", f"restarts:{p.process}",
                          f"{p.process} died {p.deaths_in_window} times in {p.window_s / 60:.0f} min (exit code "
                          f"{p.exit_code}); the supervisor restarts it in {p.delay_s:.0f} s")]
        if isinstance(p, IncidentReported) and not p.halts:  # halting ones are alerted by the ERROR state
            where = f" {p.symbol}" if p.symbol else ""
            return [Alert("incident", f"incident:{p.kind}:{p.setup_id or ''}",
                          f"incident {p.kind}{where}: {p.detail}; {p.action} (trading goes on)")]
        return []

    def due(self, now: int) -> list[Alert]:
        """Feeds down longer than `feed_down_ms` and not yet reported."""
        out = []
        for key, (since, what) in self._down_since.items():
            if key not in self._down_alerted and now - since >= self.feed_down_ms:
                self._down_alerted.add(key)
                out.append(Alert("feed_down", f"feed_down:{key}", f"{what} for {(now - since) // 1000}s"))
        return out

    def admit(self, alert: Alert, now: int) -> str | None:
        """ "send", "rate_limited", or None for a duplicate within the window (dropped silently)."""
        last = self._last_sent.get(alert.dedup_key)
        if last is not None and now - last < self.dedup_window_ms:
            return None
        while self._recent and now - self._recent[0] >= 60_000:
            self._recent.popleft()
        self._last_sent[alert.dedup_key] = now
        if len(self._recent) >= self.max_per_minute:
            return "rate_limited"
        self._recent.append(now)
        return "send"

    def _down(self, key: str, since: int, what: str) -> None:
        self._down_since.setdefault(key, (since, what))

    def _up(self, key: str) -> None:
        self._down_since.pop(key, None)
        self._down_alerted.discard(key)
