"""Process-level facts: per-process heartbeats, restarts and structured log records."""

from __future__ import annotations

from typing import Literal

from schemas.envelope import Payload
from schemas.registry import event
from schemas.streams import HEARTBEATS, LOGS, STATE

Level = Literal["DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"]


@event(HEARTBEATS)
class ProcessHeartbeat(Payload):
    process: str
    pid: int
    started_ts: int
    events_processed: int
    lag: int  # entries delivered to nobody yet plus pending, over all input streams
    rss_mb: float


@event(HEARTBEATS)
class CoreRestored(Payload):
    """A runner (re)started its core from the saved snapshot: at process start and after a Redis outage.

    `positions` are the last input entries the snapshot includes (stream → id); what came after them is
    processed again. `liqfade replay` uses it to restart the replayed core at the same point of its inputs,
    so a session with crashes and restarts replays exactly (replay/schedule.py)."""

    process: str
    pid: int
    positions: dict[str, str]
    processed: int
    from_snapshot: bool  # False: nothing was saved yet, the core starts from its initial state


@event(STATE)
class ProcessRestarted(Payload):
    """The supervisor (`liqfade up`) found a process dead and restarts it after `delay_s`. On `state`, where
    the notifier reads it: `deaths_in_window` at `alert_after` or more is an alert."""

    process: str
    exit_code: int  # negative: killed by that signal
    ran_s: float  # how long it had run
    deaths_in_window: int  # deaths of this process in the last `window_s`
    window_s: float
    alert_after: int
    delay_s: float


@event(LOGS)
class LogRecorded(Payload):
    level: Level
    process: str
    message: str
    module: str
    event_id: str | None = None
    correlation_id: str | None = None
    exc_type: str | None = None
    exc_message: str | None = None
    stack: str | None = None  # the last frames of the traceback, server-side only


@event(LOGS)
class NotificationSent(Payload):
    """What the notifier did with one alert: sent, failed after retries, rate-limited, or disabled."""

    kind: str  # error_state, daily_loss_pause, loss_streak_pause, flatten, feed_down, notifier_started
    channel: Literal["telegram", "slack", "none"]
    status: Literal["sent", "failed", "rate_limited", "disabled", "ready"]
    attempts: int
    dedup_key: str
    message: str
    detail: str = ""
