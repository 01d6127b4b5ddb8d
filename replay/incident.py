"""`liqfade replay --from-db/--from-redis`: re-run cores over a recorded incident, show where it differs.

The recorded events from `--since` minus a warm-up are replayed, so that the cores' state (volume history,
cooldowns, boot) is rebuilt before the compared window starts; outputs before `--since` are neither
compared nor written. `--timing recorded` (default) re-takes each core's recorded decisions at the
recorded times (replay/schedule.py) and compares byte for byte; `--timing virtual` feeds the chosen
cores their recorded inputs (replay/compare.py states the rule) in virtual time.
Exit 0 when the replay matches the record, 1 when it diverges, 2 on bad arguments or an unreadable source.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
import redis
from pydantic import ValidationError

from replay.compare import compare, render, split_recording
from replay.cores import RecordedCore, make_cores, unknown_cores
from replay.drivers import ReplayDriver, ScheduledReplay
from replay.output import write_json, write_outputs
from replay.schedule import CoreSchedule, schedules
from replay.sources.config_choice import ChosenConfig, LogSource, NoSuchVersion, choose_config
from replay.sources.event_log import PrunedRange, load_from_db, load_from_redis
from replay.sources.recording import Recording, iso, parse_time
from runtime.settings import get_settings

# With --timing recorded the record is read this far past --until (not compared): an input's decision time
# is the ts of its outputs, and a decision taken just before --until can have outputs just after it.
RECORDED_TAIL_MS = 60_000
Timing = Literal["recorded", "virtual"]


@dataclass(frozen=True, slots=True)
class IncidentRequest:
    """The command line's values as given (times, minutes and version still text: checked here)."""

    source: LogSource
    since: str | None
    until: str | None
    warmup_minutes: str
    config_version: str | None
    config: str  # a config file, or ""
    cores: tuple[str, ...]  # none: every core built
    timing: Timing
    ignore_types: str | None  # comma-separated; None: the timing's default
    database_url: str  # "": the settings'
    redis_url: str  # "": the settings'
    out: str | None


@dataclass(frozen=True, slots=True)
class Window:
    since: int | None
    until: int | None
    warmup_ms: int
    version: int | None

    @property
    def start(self) -> int | None:
        """Where the inputs start: --since less the warm-up."""
        return None if self.since is None else max(0, self.since - self.warmup_ms)


class BadArguments(Exception):
    pass


def _int_arg(name: str, value: str, low: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadArguments(f"{name} must be an integer, not {value!r}") from None
    if number < low:
        raise BadArguments(f"{name} must be at least {low}")
    return number


def _time_arg(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise BadArguments(f"{name}: {exc}") from None


def _check(request: IncidentRequest) -> Window:
    since, until = _time_arg("--since", request.since), _time_arg("--until", request.until)
    if request.source == "db" and (since is None or until is None):
        raise BadArguments("--from-db needs --since and --until")
    if since is not None and until is not None and until < since:
        raise BadArguments(f"--until ({iso(until)}) is before --since ({iso(since)})")
    warmup_ms = _int_arg("--warmup-minutes", request.warmup_minutes, 0) * 60_000
    version = None if request.config_version is None else _int_arg("--config-version", request.config_version, 1)
    problem = unknown_cores(request.cores)
    if problem is not None:
        raise BadArguments(problem)
    if request.config and not Path(request.config).is_file():
        raise BadArguments(f"--config {request.config}: no such file")
    return Window(since, until, warmup_ms, version)


def run(request: IncidentRequest, recorded_executor: RecordedCore) -> int:
    """Replay the incident and report; `recorded_executor` builds the executor as the session ran it."""
    try:
        window = _check(request)
        settings = get_settings()
        url = (request.database_url or settings.database_url) if request.source == "db" \
            else (request.redis_url or settings.redis_url)
        chosen = choose_config(request.source, url, window.version, request.config, window.start)
        recording = _load(request.source, url, window.start, window.until)
        if request.timing == "recorded" and window.until is not None:
            # the tail is only read for decision times: neither compared nor counted as skipped
            recording.events += _load(request.source, url, window.until + 1, window.until + RECORDED_TAIL_MS).events
            recording.sort()
    except (BadArguments, NoSuchVersion) as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    except PrunedRange as exc:
        print(f"replay: refused: {exc}: replay with --since {iso(exc.earliest_ms + window.warmup_ms)} or later "
              f"(this replay's warm-up is {window.warmup_ms // 60_000} min), or from an export (--events) made "
              "before the prune", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"replay: invalid config: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    except (psycopg.Error, redis.RedisError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"replay: cannot read the {'database' if request.source == 'db' else 'Redis streams'}: {detail}",
              file=sys.stderr)
        return 2
    return _replay(request, recording, chosen, window, recorded_executor)


def _load(source: LogSource, url: str, start: int | None, end: int | None) -> Recording:
    if source == "db":
        assert start is not None and end is not None
        return load_from_db(url, start, end)
    return load_from_redis(url, start, end)


def _replay(request: IncidentRequest, recording: Recording, chosen: ChosenConfig, window: Window,
            recorded_executor: RecordedCore) -> int:
    exact = request.timing == "recorded"
    since, start = window.since, window.start
    cores = make_cores(request.cores, chosen.config)
    if exact:
        executor = recorded_executor(chosen.config, [r.envelope for r in recording.events])
        cores = [executor if executor is not None and c.name == executor.name else c for c in cores]
    inputs, recorded = split_recording(recording.events, cores)
    end = window.until if window.until is not None else max((r.envelope.ts for r in recording.events), default=None)
    plan = schedules(recording.events, cores) if exact else {}
    scheduled = ScheduledReplay(cores, {name: s.steps for name, s in plan.items()})
    produced = scheduled.run() if exact else ReplayDriver(cores).run(inputs, until=end)
    replayed = [e for e in produced if (since is None or e.ts >= since) and (end is None or e.ts <= end)]
    recorded = [r for r in recorded
                if (since is None or r.envelope.ts >= since) and (end is None or r.envelope.ts <= end)]
    ignore = request.ignore_types if request.ignore_types is not None else ("" if exact else "Heartbeat")
    ignored = [t for t in ignore.split(",") if t]
    comparison = compare(recorded, replayed, ignored, exact=exact)
    shown = f"{iso(since) if since is not None else 'start of the streams'} -> " \
            f"{iso(end) if end is not None else 'end of the streams'}"
    lines = [
        f"replay --from-{request.source}: {shown}"
        + (f" (inputs from {iso(start)})" if start is not None and start != since else ""),
        f"cores: {', '.join(c.name for c in cores)}; config v{chosen.config.version} from {chosen.origin}",
        f"recorded: {len(recording.events)} events in range, {len(inputs)} inputs, {len(recorded)} outputs "
        f"of the chosen cores; skipped undecodable: {sum(recording.skipped.values())}"
        + (f" {dict(sorted(recording.skipped.items()))}" if recording.skipped else ""),
        *schedule_lines(plan, scheduled.substituted),
        *render(comparison),
    ]
    print("\n".join(lines))
    if request.out:
        summary: dict[str, Any] = {
            "source": request.source, "since": since, "until": end, "inputs_from": start,
            "cores": [c.name for c in cores], "config_version": chosen.config.version,
            "config_origin": chosen.origin, "inputs": len(inputs), "recorded_outputs": len(recorded),
            "replayed_outputs": len(replayed), "skipped_undecodable": dict(recording.skipped),
            "timing": request.timing, "schedules": {name: {"steps": len(p.steps), "timed_inputs": p.timed,
                                                           "timers": p.timers, "restores": p.restores,
                                                           "unscheduled_causes": p.unscheduled}
                                                    for name, p in plan.items()},
            "substituted_inputs": scheduled.substituted,
            "identical": comparison.identical,
            "first_divergence_lane": None if comparison.first is None else comparison.first.lane,
        }
        write_outputs(request.out, replayed, summary)
        write_json(Path(request.out) / "diff.json", comparison.as_dict())
    return 0 if comparison.identical else 1


def schedule_lines(plan: dict[str, CoreSchedule], substituted: int) -> list[str]:
    if not plan:
        return ["timing: virtual (timers at their deadlines; id and ts not compared)"]
    lines = ["timing: recorded (each core's inputs in consumption order, at the recorded decision times; "
             "the cores start from scratch at the first input: start the inputs at or before the workers' "
             "start)"]
    for name, p in plan.items():
        unknown = ", ".join(p.unscheduled[:3]) + (f" (+{len(p.unscheduled) - 3})" if len(p.unscheduled) > 3 else "")
        lines.append(f"  {name}: {len(p.steps)} steps, {p.timed} inputs with a recorded time, {p.timers} timer "
                     f"firings, {p.restores} restarts"
                     + (f"; outputs of unscheduled causes: {unknown}" if p.unscheduled else ""))
    if substituted:
        lines.append(f"  {substituted} inputs from a replayed core were not reproduced and were fed as recorded")
    return lines
