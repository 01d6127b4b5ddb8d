"""Registry of event types: encode an envelope to one stream field, decode any stream entry back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from schemas.envelope import Envelope, Payload

P = TypeVar("P", bound=type[Payload])

FIELD = b"e"  # the single stream field that carries the encoded envelope


@dataclass(frozen=True, slots=True)
class EventSpec:
    name: str
    version: int
    model: type[Payload]
    stream: str  # a stream name, or a template such as "md.{symbol}" filled from the payload


REGISTRY: dict[str, EventSpec] = {}


def event(stream: str, version: int = 1) -> Callable[[P], P]:
    """Class decorator: register a payload model under its class name on the given stream."""

    def register(cls: P) -> P:
        name = cls.__name__
        if name in REGISTRY and REGISTRY[name].model is not cls:
            raise ValueError(f"event type {name} registered twice")
        cls.TYPE, cls.VERSION, cls.STREAM = name, version, stream
        REGISTRY[name] = EventSpec(name, version, cls, stream)
        return cls

    return register


class SkipEvent(Exception):
    """A stream entry this build cannot use. It is logged and skipped, never a crash."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def stream_of(payload: Payload) -> str:
    stream = payload.STREAM
    return stream.format_map(payload.__dict__) if "{" in stream else stream


def encode(envelope: Envelope) -> bytes:
    return orjson.dumps(envelope.model_dump(mode="json"))


def envelope_dict(envelope: Envelope) -> dict[str, Any]:
    return envelope.model_dump(mode="json")


def decode(raw: bytes | str) -> Envelope:
    """Decode one encoded envelope. Raises SkipEvent for malformed, unknown or newer events."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SkipEvent("malformed", f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise SkipEvent("malformed", "envelope is not an object")
    return decode_dict(data)


def decode_dict(data: dict[str, Any]) -> Envelope:
    type_ = data.get("type")
    spec = REGISTRY.get(type_) if isinstance(type_, str) else None
    if spec is None:
        raise SkipEvent("unknown_type", f"event type {type_!r} is not known to this build")
    version = data.get("v")
    if not isinstance(version, int):
        raise SkipEvent("malformed", f"{type_}: version {version!r} is not an integer")
    if version > spec.version:
        raise SkipEvent("newer_version", f"{type_} v{version} is newer than v{spec.version}")
    try:
        payload = spec.model.model_validate(data.get("payload"))
        return Envelope.model_validate({**data, "payload": payload})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SkipEvent("malformed", f"{type_}: {where}: {first['msg']}") from exc
