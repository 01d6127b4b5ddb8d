"""`liqfade`: run a worker, validate a config, print the event schema, replay, benchmark, simulate."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import orjson
from loguru import logger

from cli import plugins
from runtime.secret_checks import refuse_to_start_without_secrets
from runtime.settings import SettingsInvalid, get_settings


def build_parser() -> argparse.ArgumentParser:
    # the tools' modules are imported here, not at the top: every worker starts through this module (`liqfade
    # run`), and none of them needs the replay, the supervisor or the simulator in its memory
    from cli import db_cmd, replay_cmd, up

    parser = argparse.ArgumentParser(prog="liqfade", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    add_run_arguments(commands.add_parser("run", help="run one worker process until SIGTERM"))

    config = commands.add_parser("config", help="configuration tools")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    validate = config_commands.add_parser("validate", help="validate a config file (exit 2 when invalid)")
    validate.add_argument("file")
    validate.add_argument("--equity", help="show the limits in USDT at this equity")

    events = commands.add_parser("events", help="the event catalogue")
    events_commands = events.add_subparsers(dest="events_command", required=True)
    events_commands.add_parser("schema", help="print the JSON Schema of every event")

    replay = commands.add_parser("replay", help="run the cores in virtual time over recorded events")
    replay_cmd.add_arguments(replay)

    db_cmd.add_arguments(commands.add_parser("db", help="the audit log's schema and retention"))

    bench = commands.add_parser("bench", help="run a benchmark; prints JSON")
    bench.add_argument("name", choices=sorted(plugins.BENCHES))
    bench.add_argument("args", nargs=argparse.REMAINDER)

    admin = commands.add_parser("admin", help="operator account tools")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    admin_commands.add_parser("hash-password",
                              help="print an argon2id hash of the admin password for ADMIN_PASSWORD_HASH")

    up_parser = commands.add_parser("up", help="start every process (make demo uses --demo)")
    up.add_arguments(up_parser)

    simulator = commands.add_parser("simulator", help="the local Binance USD-M simulator", add_help=False)
    simulator.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("worker", choices=[*sorted(plugins.WORKERS), "core"])
    run.add_argument("--core", help="with `run core`: module:attribute of a make_core(config) factory")
    run.add_argument("--record", metavar="FILE.jsonl", help="with `run ingest`: also write raw frames here")


def parse(argv: list[str]) -> argparse.Namespace:
    """`run` is parsed on its own (a worker's start loads nothing it does not use); the rest in full."""
    if argv[:1] == ["run"] and not {"-h", "--help"} & set(argv):
        run = argparse.ArgumentParser(prog="liqfade run")
        add_run_arguments(run)
        return argparse.Namespace(command="run", **vars(run.parse_args(argv[1:])))
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["simulator"]:  # its own parser: argparse's REMAINDER would swallow nothing after it
        return int(_load_or_exit("simulator.cli:main")(argv[1:]))
    args = parse(argv)
    if args.command != "run":
        logger.remove()  # tools print their own results; only warnings go to stderr
        logger.add(sys.stderr, level="WARNING", format="{level}: {message}")
    if args.command == "run":
        try:
            refuse_to_start_without_secrets([args.worker], get_settings(), f"run {args.worker}")
        except SettingsInvalid as exc:
            print(f"liqfade run {args.worker}: {exc}", file=sys.stderr)
            return 2
        if args.record:
            if args.worker != "ingest":
                print("--record only applies to `run ingest`", file=sys.stderr)
                return 2
            return int(_load_or_exit(plugins.WORKERS["ingest"])(["--record", args.record]))
        return run_worker(args.worker, args.core)
    if args.command == "config":
        from cli import config_cmd

        return config_cmd.validate(args.file, args.equity)
    if args.command == "events":
        from schemas.catalogue import json_schema

        sys.stdout.write(orjson.dumps(json_schema(), option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if args.command == "replay":
        from cli import replay_cmd

        return replay_cmd.run(args)
    if args.command == "db":
        from cli import db_cmd

        return db_cmd.run(args)
    if args.command == "bench":
        return int(_load_or_exit(plugins.BENCHES[args.name])(list(args.args)))
    if args.command == "admin":
        from cli import admin_cmd

        return admin_cmd.hash_password_command()
    if args.command == "up":
        from cli import up

        return up.run(args)
    return 2


def run_worker(worker: str, core_target: str | None) -> int:
    if worker == "core":
        if not core_target:
            print("`liqfade run core` needs --core module:attribute", file=sys.stderr)
            return 2
        from runtime.worker import run_core

        make_core = plugins.load(core_target)
        return run_core(make_core(None).name, make_core)
    return int(_load_or_exit(plugins.WORKERS[worker])())


def _load_or_exit(target: str) -> Any:
    try:
        return plugins.load(target)
    except ModuleNotFoundError as exc:
        print(f"{target.partition(':')[0]} is not part of this build ({exc})", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    raise SystemExit(main())
