"""Imports every event family so the registry is complete, and exports the catalogue's JSON Schema."""

from __future__ import annotations

from typing import Any

from schemas import account, commands, feed, market, orders, positions, risk, signals, system  # noqa: F401
from schemas.envelope import Envelope, Payload
from schemas.registry import REGISTRY


def payload_schema(model: type[Payload]) -> dict[str, Any]:
    return model.model_json_schema()


def json_schema() -> dict[str, Any]:
    """One document: the envelope, and every event type with its version, stream and payload schema."""
    return {
        "envelope": Envelope.model_json_schema(),
        "events": {
            name: {"v": spec.version, "stream": spec.stream, "payload": payload_schema(spec.model)}
            for name, spec in sorted(REGISTRY.items())
        },
    }
