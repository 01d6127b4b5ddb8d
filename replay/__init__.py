"""Running cores over recorded events, out of the live system (DESIGN §9; like NautilusTrader's `backtest/`).

Entry points (`liqfade replay`, cli/replay_cmd.py, only parses and dispatches):
- `backtest.py`: the cores in virtual time over files: a JSONL export and/or the market CSVs.
- `incident.py`: a recorded incident re-run from the log (`--from-db`, `--from-redis`) and compared.

Parts: `drivers.py` (ReplayDriver: virtual time; ScheduledReplay: recorded timing), `sources/` (CSV, JSONL,
the DB and Redis log, the config a replay starts with), `schedule.py` (each core's recorded timing),
`recorded_executor.py` (the executor core as the recorded session ran it), `compare.py` (replayed against
recorded), `cores.py` (cores by name), `output.py` (events.jsonl, summary.json, setup outcomes).
"""
