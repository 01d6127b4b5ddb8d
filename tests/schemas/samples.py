"""A valid sample of every payload type, built from its annotations, for catalogue-wide tests."""

from __future__ import annotations

import types
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from schemas.config import BotConfig


def sample_value(annotation: Any) -> Any:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return sample_value(args[0])
    if origin is Literal:
        return args[0]
    if origin in (Union, types.UnionType):
        return sample_value(next(a for a in args if a is not type(None)))
    if origin is tuple:
        return (sample_value(args[0]),)
    if origin in (list,):
        return [sample_value(args[0])]
    if origin is dict:
        return {sample_value(args[0]): sample_value(args[1])}
    if annotation is BotConfig:
        return BotConfig()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return build(annotation)
    return {Decimal: Decimal("1.25"), int: 7, float: 1.5, str: "BTCUSDT-LONG-1761161861000", bool: True}[annotation]


def build(model: type[BaseModel]) -> Any:
    return model(**{name: sample_value(field.annotation) for name, field in model.model_fields.items()})
