"""The base of every model: a frozen dataclass read from protojson by its type hints.

A model declares its fields with Python types; :meth:`Model.from_wire` converts the server's JSON
(int64 strings to ``int``, base64 to ``bytes``, RFC 3339 to ``datetime``, nested models and lists of
models, JSON-in-a-string fields to parsed values). The conversion plan is built once per class.

Field options, through :func:`wire_field`:
- ``name="self"``: the wire name when it differs from the attribute (``self`` → ``self_presence``);
- ``json_text=True``: the wire value is a string holding JSON, parsed into a dict (``content``).
"""
from __future__ import annotations

import dataclasses
import functools
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar, TypeVar, Union

from .. import _wire

if typing.TYPE_CHECKING:  # type checkers only (mypy ships these stubs): no run-time dependency
    from typing_extensions import Self, dataclass_transform
elif sys.version_info >= (3, 11):
    from typing import Self, dataclass_transform
else:  # Python 3.10: the names exist for typing.get_type_hints(); the decorator changes nothing
    Self = Any

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda fn: fn

__all__ = ["Model", "model", "wire_field"]

M = TypeVar("M", bound="Model")
_MISSING = dataclasses.MISSING


def wire_field(*, name: str | None = None, json_text: bool = False, default: Any = _MISSING,
               default_factory: Any = _MISSING) -> Any:
    """A dataclass field with wire options (see the module docstring).

    Pass ``default=`` or ``default_factory=`` explicitly (type checkers only see those); leaving both out
    also gives ``None`` at run time.
    """
    meta = {"wire_name": name, "json_text": json_text}
    if default_factory is not _MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    if default is _MISSING:
        default = None
    return dataclasses.field(default=default, metadata=meta)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, wire_field))
def model(cls: type[M]) -> type[M]:
    """Class decorator: a frozen, slotted dataclass that is a :class:`Model`."""
    return dataclasses.dataclass(frozen=True, slots=True)(cls)  # type: ignore[return-value]


def _strip_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def code_enum(tp: Any) -> type[IntEnum] | None:
    """The IntEnum of a code field typed ``Codes``, ``Codes | int`` or ``Codes | None``; else None."""
    tp = _strip_optional(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not int and a is not type(None)]
        if len(args) != 1:
            return None
        tp = args[0]
    if isinstance(tp, type) and issubclass(tp, IntEnum):
        return tp
    return None


def enum_or_int(codes: type[IntEnum], value: int) -> int:
    """``codes(value)``, or ``value`` itself when it is a code newer than this library."""
    try:
        return codes(value)
    except ValueError:
        return value


def _enum_or_int(codes: type[IntEnum], raw: Any) -> int:
    return enum_or_int(codes, _wire.int64(raw))


def _converter(tp: Any, json_text: bool) -> Callable[[Any], Any] | None:
    """A function turning the wire value into the attribute value; None means 'use as is'."""
    if json_text:
        return _wire.parse_json_text
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if tp is int:
        return _wire.int64
    codes = code_enum(tp)
    if codes is not None:   # a code: its enum member, or the int if unknown
        return functools.partial(_enum_or_int, codes)
    if tp is float:
        return float
    if tp is bytes:
        return _wire.b64decode
    if tp is datetime:
        return _wire.parse_time
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp.from_wire
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        item_converter = _converter(item, False)
        if item_converter is None:
            return list
        return lambda values: [item_converter(v) for v in values]
    if origin is dict:
        args = typing.get_args(tp)
        inner = _converter(args[1], False) if len(args) == 2 else None
        if inner is None:
            return dict
        return lambda values: {k: inner(v) for k, v in values.items()}
    return None


class Model:
    """Base class of the models. Subclasses are made with the :func:`model` decorator.

    Example: ``presence = UserPresence.from_wire({"user_id": "…", "session_id": "…"})``
    Thread safety: models are immutable; any thread may read them.
    """

    __slots__ = ()
    _plan: ClassVar[tuple[tuple[str, str, Callable[[Any], Any] | None], ...]]

    @classmethod
    def _build_plan(cls) -> tuple[tuple[str, str, Callable[[Any], Any] | None], ...]:
        hints = typing.get_type_hints(cls)
        plan = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            wire_name = f.metadata.get("wire_name") or f.name
            plan.append((f.name, wire_name, _converter(hints[f.name], bool(f.metadata.get("json_text")))))
        return tuple(plan)

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> Self:
        """Build the model from the server's JSON object (missing keys take the field defaults)."""
        try:
            plan = cls.__dict__["_plan"]
        except KeyError:
            plan = cls._build_plan()
            type.__setattr__(cls, "_plan", plan)
        if not data:
            return cls()
        kwargs = {}
        for attr, key, convert in plan:
            value = data.get(key)
            if value is None:
                continue
            kwargs[attr] = convert(value) if convert is not None else value
        return cls(**kwargs)
