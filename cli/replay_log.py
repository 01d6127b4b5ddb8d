"""`liqfade replay --from-db/--from-redis`: re-run cores over a recorded incident, show where it differs.

The recorded events from `--since` minus a warm-up are replayed, so that the cores' state (volume history,
cooldowns, boot) is rebuilt before the compared window starts; outputs before `--since` are neither
compared nor written. `--timing recorded` (default) re-takes each core's recorded decisions at the
recorded times (cli/replay_schedule.py) and compares byte for byte; `--timing virtual` feeds the chosen
cores their recorded inputs (cli/replay_diff.py states the rule) in virtual time.
Exit 0 when the replay matches the record, 1 when it diverges, 2 on bad arguments or an unreadable source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
import psycopg
import redis
from pydantic import ValidationError

from cli import plugins
from cli.replay_cmd import make_cores, write_outputs
from cli.replay_diff import compare, render, split_recording
from cli.replay_schedule import CoreSchedule, executor_as_recorded, schedules
from cli.replay_sources import (
    ChosenConfig,
    PrunedRange,
    Recording,
    db_config,
    iso,
    load_from_db,
    load_from_redis,
    parse_time,
    redis_config,
)
from runtime.config_store import DEFAULT_CONFIG_FILE
from runtime.replay import ReplayDriver, ScheduledReplay
from runtime.settings import get_settings
from schemas.config import BotConfig

# With --timing recorded the record is read this far past --until (not compared): an input's decision time
# is the ts of its outputs, and a decision taken just before --until can have outputs just after it.
RECORDED_TAIL_MS = 60_000


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


def _check(args: argparse.Namespace) -> tuple[int | None, int | None, int, int | None, list[str]]:
    if args.from_db and args.from_redis:
        raise BadArguments("choose one of --from-db and --from-redis")
    if args.events or args.liquidations or args.klines:
        raise BadArguments("--from-db/--from-redis replay the log; they do not take --events or CSV inputs")
    since, until = _time_arg("--since", args.since), _time_arg("--until", args.until)
    if args.from_db and (since is None or until is None):
        raise BadArguments("--from-db needs --since and --until")
    if since is not None and until is not None and until < since:
        raise BadArguments(f"--until ({iso(until)}) is before --since ({iso(since)})")
    warmup_ms = _int_arg("--warmup-minutes", args.warmup_minutes, 0) * 60_000
    version = None if args.config_version is None else _int_arg("--config-version", args.config_version, 1)
    names = [c for c in args.cores.split(",") if c]
    built = plugins.available(plugins.CORES)
    unknown = [n for n in names if n not in built]
    if unknown:
        raise BadArguments(f"unknown or unbuilt cores: {', '.join(unknown)} (available: {', '.join(built)})")
    if args.config and not Path(args.config).is_file():
        raise BadArguments(f"--config {args.config}: no such file")
    return since, until, warmup_ms, version, names


def _config(args: argparse.Namespace, version: int | None, start: int | None) -> ChosenConfig:
    """--config-version from the source, else --config FILE, else the version active at the replay start
    in the source, else config/default.json."""
    if args.from_db:
        found = db_config(args.database_url, version, start if start is not None else 0)
    else:
        found = redis_config(args.redis_url, version, start)
    if version is not None:
        if found is None:
            where = "bot_config" if args.from_db else "the commands stream"
            raise BadArguments(f"--config-version {version}: no such version in {where}")
        return found
    if args.config:
        return ChosenConfig(BotConfig.model_validate_json(Path(args.config).read_bytes()), f"file {args.config}")
    if found is not None:
        return found
    file = DEFAULT_CONFIG_FILE
    config = BotConfig.model_validate_json(file.read_bytes()) if file.exists() else BotConfig()
    return ChosenConfig(config, "default config (no version recorded before the replay start)")


def run(args: argparse.Namespace) -> int:
    source = "db" if args.from_db else "redis"
    try:
        since, until, warmup_ms, version, names = _check(args)
        start = None if since is None else max(0, since - warmup_ms)
        settings = get_settings()
        args.database_url = args.database_url or settings.database_url
        args.redis_url = args.redis_url or settings.redis_url
        chosen = _config(args, version, start)
        recording = _load(args, start, until)
        if args.timing == "recorded" and until is not None:
            # the tail is only read for decision times: neither compared nor counted as skipped
            recording.events += _load(args, until + 1, until + RECORDED_TAIL_MS).events
            recording.sort()
    except BadArguments as exc:
        print(f"replay: {exc}", file=sys.stderr)
        return 2
    except PrunedRange as exc:
        print(f"replay: refused: {exc}: replay with --since {iso(exc.earliest_ms + warmup_ms)} or later (this"
              f" replay's warm-up is {warmup_ms // 60_000} min), or from an export (--events) made before the prune",
              file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"replay: invalid config: {exc.errors()[0]['msg']}", file=sys.stderr)
        return 2
    except (psycopg.Error, redis.RedisError) as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"replay: cannot read the {'database' if args.from_db else 'Redis streams'}: {detail}",
              file=sys.stderr)
        return 2
    return _replay(args, source, recording, chosen, since, until, start, names)


def _load(args: argparse.Namespace, start: int | None, end: int | None) -> Recording:
    if args.from_db:
        assert start is not None and end is not None
        return load_from_db(args.database_url, start, end)
    return load_from_redis(args.redis_url, start, end)


def _replay(args: argparse.Namespace, source: str, recording: Recording, chosen: ChosenConfig,
            since: int | None, until: int | None, start: int | None, names: list[str]) -> int:
    exact = args.timing == "recorded"
    cores = make_cores(names, chosen.config)
    if exact:
        executor = executor_as_recorded(chosen.config, recording.events)
        cores = [executor if executor is not None and c.name == executor.name else c for c in cores]
    inputs, recorded = split_recording(recording.events, cores)
    end = until if until is not None else max((r.envelope.ts for r in recording.events), default=None)
    plan = schedules(recording.events, cores) if exact else {}
    scheduled = ScheduledReplay(cores, {name: s.steps for name, s in plan.items()})
    produced = scheduled.run() if exact else ReplayDriver(cores).run(inputs, until=end)
    replayed = [e for e in produced if (since is None or e.ts >= since) and (end is None or e.ts <= end)]
    recorded = [r for r in recorded
                if (since is None or r.envelope.ts >= since) and (end is None or r.envelope.ts <= end)]
    ignore = args.ignore_types if args.ignore_types is not None else ("" if exact else "Heartbeat")
    ignored = [t for t in ignore.split(",") if t]
    comparison = compare(recorded, replayed, ignored, exact=exact)
    window = f"{iso(since) if since is not None else 'start of the streams'} -> " \
             f"{iso(end) if end is not None else 'end of the streams'}"
    lines = [
        f"replay --from-{source}: {window}"
        + (f" (inputs from {iso(start)})" if start is not None and start != since else ""),
        f"cores: {', '.join(c.name for c in cores)}; config v{chosen.config.version} from {chosen.origin}",
        f"recorded: {len(recording.events)} events in range, {len(inputs)} inputs, {len(recorded)} outputs "
        f"of the chosen cores; skipped undecodable: {sum(recording.skipped.values())}"
        + (f" {dict(sorted(recording.skipped.items()))}" if recording.skipped else ""),
        *schedule_lines(plan, scheduled.substituted),
        *render(comparison),
    ]
    print("\n".join(lines))
    if args.out:
        summary: dict[str, Any] = {
            "source": source, "since": since, "until": end, "inputs_from": start,
            "cores": [c.name for c in cores], "config_version": chosen.config.version,
            "config_origin": chosen.origin, "inputs": len(inputs), "recorded_outputs": len(recorded),
            "replayed_outputs": len(replayed), "skipped_undecodable": dict(recording.skipped),
            "timing": args.timing, "schedules": {name: {"steps": len(p.steps), "timed_inputs": p.timed,
                                                        "timers": p.timers, "restores": p.restores,
                                                        "unscheduled_causes": p.unscheduled}
                                                 for name, p in plan.items()},
            "substituted_inputs": scheduled.substituted,
            "identical": comparison.identical,
            "first_divergence_lane": None if comparison.first is None else comparison.first.lane,
        }
        write_outputs(args.out, replayed, summary)
        (Path(args.out) / "diff.json").write_bytes(
            orjson.dumps(comparison.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
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
