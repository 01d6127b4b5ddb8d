"""When the supervisor restarts a dead process, and when its deaths become an alert. Pure: time comes in."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Restart:
    delay_s: float
    deaths_in_window: int
    alert: bool  # this death makes `alert_after` within the window


@dataclass
class RestartPolicy:
    """Exponential backoff (1, 2, 4 … 60 s) over deaths in a row; a process that ran `healthy_after_s`
    starts the count again. `alert_after` deaths within `window_s` is an alert (once per window)."""

    base_s: float = 1.0
    cap_s: float = 60.0
    healthy_after_s: float = 60.0
    window_s: float = 600.0
    alert_after: int = 3
    _deaths: dict[str, deque[float]] = field(default_factory=dict)
    _in_a_row: dict[str, int] = field(default_factory=dict)
    _alerted_at: dict[str, float] = field(default_factory=dict)

    def on_exit(self, process: str, ran_s: float, now: float) -> Restart:
        deaths = self._deaths.setdefault(process, deque())
        deaths.append(now)
        while deaths and now - deaths[0] > self.window_s:
            deaths.popleft()
        in_a_row = 1 if ran_s >= self.healthy_after_s else self._in_a_row.get(process, 0) + 1
        self._in_a_row[process] = in_a_row
        delay = min(self.cap_s, self.base_s * 2 ** (in_a_row - 1))
        last_alert = self._alerted_at.get(process)
        alert = len(deaths) >= self.alert_after and (last_alert is None or now - last_alert > self.window_s)
        if alert:
            self._alerted_at[process] = now
        return Restart(delay_s=delay, deaths_in_window=len(deaths), alert=alert)
