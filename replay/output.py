"""What a replay writes: events.jsonl (every output, encoded), summary.json, and each setup's outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from schemas.envelope import Envelope
from schemas.registry import encode
from schemas.signals import SetupConfirmed, SetupRejected


def write_outputs(out_dir: str, outputs: Iterable[Envelope], extra_summary: dict[str, Any]) -> dict[str, Any]:
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    by_type: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    with open(directory / "events.jsonl", "wb") as f:
        for envelope in outputs:
            f.write(encode(envelope) + b"\n")
            by_type[envelope.type] += 1
            reason = getattr(envelope.payload, "reason", None)
            if reason is not None:
                by_reason[f"{envelope.type}:{reason}"] += 1
    summary = {**extra_summary, "by_type": dict(sorted(by_type.items())),
               "by_reason": dict(sorted(by_reason.items()))}
    write_json(directory / "summary.json", summary)
    return summary


def write_json(path: Path, value: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def with_outcomes(outputs: Iterable[Envelope], summary: dict[str, Any]) -> Iterator[Envelope]:
    """Pass outputs through, listing every setup's outcome in `summary["setups"]` on the way."""
    setups: list[dict[str, Any]] = summary.setdefault("setups", [])
    for envelope in outputs:
        p = envelope.payload
        if isinstance(p, SetupConfirmed | SetupRejected):
            setups.append({"setup_id": p.setup_id, "ts": envelope.ts, "outcome": envelope.type,
                           "reason": getattr(p, "reason", None), "liq_usd": str(p.liq_usd)})
        yield envelope
