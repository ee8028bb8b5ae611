"""Strict readers of the server's protojson into models, shared by the HTTP client and the socket.

:func:`decoder` builds, once per model class, a reader from the class's dataclass fields and type hints:
a field of the wrong type (``op_code`` ``{}``/``true``/``1.9``, ``data`` that is not base64, a time that
is not RFC 3339, an object where a list belongs) raises :class:`~nakama_sync.exceptions.DecodeError`
naming the model and the field, instead of becoming a made-up value. Absent (or ``null``) fields take
the model's defaults; unknown fields are ignored (newer servers). int64 comes as a string or a number,
bytes as base64, timestamps as RFC 3339; a numeric code declared as an ``IntEnum`` becomes its member,
or stays an ``int`` when this library does not know it yet.

Thread safety: pure functions; the cache of readers is filled idempotently; any thread.
"""
from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime
from enum import IntEnum
from typing import Any, Union

from . import _wire
from .exceptions import DecodeError

__all__ = ["DecodeError", "b64", "decoder", "int64", "kind", "register", "strict_b64", "strip_optional", "text"]

Decoder = Callable[[Any], Any]

_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1


def strip_optional(tp: Any) -> Any:
    """``X | None`` → ``X``; anything else unchanged."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def code_enum(tp: Any) -> type[IntEnum] | None:
    """The IntEnum of a code field typed ``Codes``, ``Codes | int`` or ``Codes | None``; else None."""
    tp = strip_optional(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not int and a is not type(None)]
        if len(args) != 1:
            return None
        tp = args[0]
    if isinstance(tp, type) and issubclass(tp, IntEnum):
        return tp
    return None


def kind(value: Any) -> str:
    """A short description of a wrong value for an error message: its type and the start of its repr."""
    shown = repr(value)
    return f"{type(value).__name__} {shown[:40]}"


# ---- primitives ---------------------------------------------------------------------------------------
def text(value: Any) -> str:
    if type(value) is not str:
        raise DecodeError(f"expected a string, got {kind(value)}")
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise DecodeError(f"expected true/false, got {kind(value)}")
    return value


def int64(value: Any) -> int:
    """int64/int32: a JSON integer, or (protojson's int64) a string of one."""
    value_type = type(value)
    number = None
    if value_type is int:
        number = value
    elif value_type is str:
        digits = value[1:] if value[:1] == "-" else value
        if digits.isdigit() and digits.isascii() and len(digits) <= 19:
            number = int(value)
    elif value_type is float and value.is_integer():
        number = int(value)
    if number is None or not _INT64_MIN <= number <= _INT64_MAX:
        raise DecodeError(f"expected a 64-bit integer, got {kind(value)}")
    return number  # type: ignore[no-any-return]


def _float(value: Any) -> float:
    value_type = type(value)
    if value_type is float or value_type is int:
        return float(value)
    if value_type is str and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("inity", ""))
    raise DecodeError(f"expected a number, got {kind(value)}")


def _bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise DecodeError(f"expected base64 text, got {kind(value)}")
    return b64(value)


if sys.version_info >= (3, 11):
    #: Standard, padded base64 only; binascii.Error (a ValueError) for anything else. The fast path.
    strict_b64: Callable[[str], bytes] = functools.partial(binascii.a2b_base64, strict_mode=True)
else:   # Python 3.10's a2b_base64 has no strict mode (it skips stray characters): validate first
    strict_b64 = functools.partial(base64.b64decode, validate=True)


def b64(data: str) -> bytes:
    """Strict base64 (standard or URL-safe, padded or not, as protojson accepts). Raises DecodeError."""
    try:
        return strict_b64(data)
    except (binascii.Error, ValueError):
        pass
    try:
        return _wire.b64decode(data)
    except ValueError as exc:
        raise DecodeError(f"invalid base64 data: {data[:40]!r}") from exc


def _time(value: Any) -> datetime | None:
    if type(value) is not str:
        raise DecodeError(f"expected an RFC 3339 time, got {kind(value)}")
    try:
        return _wire.parse_time(value)
    except ValueError as exc:
        raise DecodeError(f"invalid time {value[:40]!r}") from exc


def _json_text(value: Any) -> Any:
    if type(value) is not str:
        raise DecodeError(f"expected JSON text in a string, got {kind(value)}")
    return _wire.parse_json_text(value)


def _code(codes: type[IntEnum]) -> Decoder:
    def read(value: Any) -> int:
        number = int64(value)
        try:
            return codes(number)
        except ValueError:   # a code newer than this library: keep the number
            return number
    return read


def _list_of(item: Decoder | None) -> Decoder:
    def read(values: Any) -> list[Any]:
        if type(values) is not list:
            raise DecodeError(f"expected a list, got {kind(values)}")
        if item is None:
            return list(values)
        out = []
        for index, value in enumerate(values):
            try:
                out.append(item(value))
            except DecodeError as exc:
                raise DecodeError(f"[{index}]: {exc}") from None
        return out
    return read


def _dict_of(inner: Decoder | None) -> Decoder:
    def read(values: Any) -> dict[str, Any]:
        if type(values) is not dict:
            raise DecodeError(f"expected an object, got {kind(values)}")
        return dict(values) if inner is None else {k: inner(v) for k, v in values.items()}
    return read


def _field_decoder(tp: Any, json_text: bool) -> Decoder | None:
    """The reader of one field of type ``tp``; None means the wire value is kept as it is (``Any``)."""
    if json_text:
        return _json_text
    tp = strip_optional(tp)
    if tp is str:
        return text
    if tp is bool:
        return _bool
    if tp is int:
        return int64
    if tp is float:
        return _float
    if tp is bytes:
        return _bytes
    if tp is datetime:
        return _time
    codes = code_enum(tp)
    if codes is not None:   # ``Codes``, or ``Codes | int`` for codes a game or server code also picks
        return _code(codes)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return decoder(tp)
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return _list_of(_field_decoder(item, False))
    if origin is dict:
        args = typing.get_args(tp)
        return _dict_of(_field_decoder(args[1], False) if len(args) == 2 else None)
    return None


_decoders: dict[Any, Decoder] = {}


def decoder(cls: type[Any], required: tuple[str, ...] = ()) -> Decoder:
    """The strict reader of ``cls`` (a model) from its wire object; built once per class.

    ``required`` names wire fields that must be present (e.g. a reply's id). Example:
    ``decoder(Match, ("match_id",))({"match_id": "m."})``. Any thread.
    """
    key = (cls, required) if required else cls
    found = _decoders.get(key)
    if found is None:
        found = _decoders[key] = build(cls, required)
    return found


def register(cls: type[Any], read: Decoder) -> None:
    """Use ``read`` (a hand-written reader, as strict as :func:`build`'s) for ``cls`` from now on."""
    _decoders[cls] = read


def build(cls: type[Any], required: tuple[str, ...] = ()) -> Decoder:
    """A strict reader made from ``cls``'s dataclass fields and type hints (not cached)."""
    hints = typing.get_type_hints(cls)
    plan: list[tuple[str, str, Decoder | None]] = []
    name = cls.__name__.lstrip("_")

    def read(payload: Any) -> Any:
        if type(payload) is not dict:
            raise DecodeError(f"{name}: expected an object, got {kind(payload)}")
        for field in required:
            if payload.get(field) in (None, ""):
                raise DecodeError(f"{name}: required field {field!r} missing")
        kwargs = {}
        for attr, wire_name, convert in plan:
            value = payload.get(wire_name)
            if value is None:
                continue
            if convert is not None:
                try:
                    value = convert(value)
                except DecodeError as exc:
                    raise DecodeError(f"{name}.{wire_name}: {exc}") from None
            kwargs[attr] = value
        return cls(**kwargs)

    for f in dataclasses.fields(cls):
        wire_name = f.metadata.get("wire_name") or f.name
        plan.append((f.name, wire_name, _field_decoder(hints[f.name], bool(f.metadata.get("json_text")))))
    return read
