"""Request bodies checked against Nakama's API messages, as grpc-gateway's protojson decoder checks them.

A field of the wrong JSON type (a number where a string is required, an object where an int64 is, an
integer beyond its range, a map with non-string values, ...) is refused before any handler or auth
check runs (the HTTP layer answers 400), as on Nakama. Unknown fields are ignored and ``null`` means "not set", as in protojson. The
message of each route and the kinds of its fields come from ``_api_schema`` (generated from Nakama's
API description by tools/gen_api_schema.py). Everything here is pure and runs on the loop thread.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime
from typing import Any

from ._api_schema import MESSAGES, ROUTE_BODIES
from ._names import snake

__all__ = ["BadField", "check_body", "route_key"]

_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "uint32": (0, 2 ** 32 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1),
           "uint64": (0, 2 ** 64 - 1)}
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def route_key(method: str, path: str) -> str:
    """``"PUT /v2/group/{}"`` for ``("PUT", "/v2/group/{group_id}")``: the key of ``ROUTE_BODIES``."""
    return f"{method} {re.sub(r'{[^}]+}', '{}', path)}"


class BadField(ValueError):
    """A body field protojson would not decode; the message names it."""


def check_body(key: str, body: Any) -> None:
    """Raise :class:`BadField` when the JSON ``body`` of the route ``key`` does not decode into its
    Nakama message. Example: ``check_body("PUT /v2/storage", {"objects": 5})`` raises."""
    message = ROUTE_BODIES.get(key)
    if message is not None and isinstance(body, dict):
        _check_message(message, body)


def _check_message(message: str, body: dict[str, Any]) -> None:
    fields = MESSAGES.get(message, {})
    for name, value in body.items():
        kind = fields.get(snake(name))
        if kind is not None and value is not None and not _fits(kind, value):
            text = json.dumps(value, ensure_ascii=False)
            raise BadField(f"proto: invalid value for {kind} field {name}: {text[:60]}{'...' if len(text) > 60 else ''}")


def _fits(kind: str, value: Any) -> bool:
    if kind.startswith("list:"):
        return isinstance(value, list) and all(v is not None and _fits(kind[5:], v) for v in value)
    if kind.startswith("msg:"):
        if not isinstance(value, dict):
            return False
        _check_message(kind[4:], value)
        return True
    if kind in _RANGES:
        return _integer(value, *_RANGES[kind])
    if kind == "string":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "double":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
            (isinstance(value, str) and (value in ("NaN", "Infinity", "-Infinity") or _NUMBER.fullmatch(value) is not None))
    if kind == "map":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == "bytes":
        return isinstance(value, str) and _base64(value)
    if kind == "timestamp":
        return isinstance(value, str) and _rfc3339(value)
    if kind == "enum":   # a number (int32) or a value's name
        return isinstance(value, str) or _integer(value, *_RANGES["int32"])
    return True


def _integer(value: Any, low: int, high: int) -> bool:
    """A JSON number or numeric string with an integral value in [low, high] (``1.0`` and ``1e2`` too)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return False
        number = int(value)
    elif isinstance(value, str) and len(value) <= 40 and _NUMBER.fullmatch(value):
        as_float = float(value)
        if not as_float.is_integer():
            return False
        number = int(value) if re.fullmatch(r"-?[0-9]+", value) else int(as_float)
    else:
        return False
    return low <= number <= high


def _base64(value: str) -> bool:
    text = value.replace("-", "+").replace("_", "/")
    try:
        base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _rfc3339(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True

