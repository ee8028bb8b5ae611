"""Small helpers shared by the dev server's HTTP API modules (friends, groups, storage, leaderboards).

All of them run on the event-loop thread.
"""
from __future__ import annotations

import base64
import decimal
import json
import re
import sqlite3
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ._http import INVALID_ARGUMENT, ApiFailure

if TYPE_CHECKING:
    from ._db import Database

__all__ = [
    "bool_value",
    "decode_cursor",
    "encode_cursor",
    "int_value",
    "is_int64",
    "is_uuid",
    "limit_param",
    "pg_json",
    "pg_refuses",
    "str_value",
    "time_s",
    "time_us",
]


def _pg_order(obj: Any) -> Any:
    if isinstance(obj, dict):
        # jsonb keeps object keys sorted by length, then bytewise
        keys = sorted(obj, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
        return {k: _pg_order(obj[k]) for k in keys}
    if isinstance(obj, list):
        return [_pg_order(v) for v in obj]
    return obj


def pg_json(text: str) -> str:
    """JSON text as Postgres' jsonb prints it back (``{"hp": 11}``): what Nakama returns from the DB."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return json.dumps(_pg_order(value), separators=(", ", ": "), ensure_ascii=False)


def time_s(ts: float) -> str:
    """RFC 3339 with whole seconds (rows read back from the database)."""
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_us(ts: float) -> str:
    """RFC 3339 with 6 fractional digits, trailing zero groups trimmed as protojson does."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    micro = dt.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return f"{base}.{micro // 1000:03d}Z"
    return f"{base}.{micro:06d}Z"


def is_uuid(value: Any) -> bool:
    """A well-formed, non-nil UUID string."""
    if not isinstance(value, str):
        return False
    try:
        return uuid.UUID(value).int != 0
    except ValueError:
        return False


def encode_cursor(data: Any) -> str:
    """An opaque cursor (base64url of JSON)."""
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


_INT64 = (-(2 ** 63), 2 ** 63 - 1)
_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?")


def is_int64(value: Any) -> bool:
    """A JSON integer (not a bool) within int64. Example: ``is_int64(2 ** 63) is False``"""
    return isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]


def _fits(value: Any, kind: type) -> bool:
    return is_int64(value) if kind is int else isinstance(value, kind)


def decode_cursor(text: str, message: str, kinds: tuple[type, ...]) -> list[Any]:
    """The fields of a cursor made by :func:`encode_cursor` from a list of ``kinds`` (int or str).

    Anything else (bad base64 or JSON, an object, a list of another length or other types, an integer
    beyond int64) is 400 ``message``: a cursor is client input. Example:
    ``read, key, user_id = decode_cursor(text, "Malformed cursor was used.", (int, str, str))``
    """
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, TypeError, RecursionError) as exc:
        raise ApiFailure(INVALID_ARGUMENT, message) from exc
    if not isinstance(data, list) or len(data) != len(kinds) or not all(map(_fits, data, kinds)):
        raise ApiFailure(INVALID_ARGUMENT, message)
    return data


def keyset_page(db: Database, table: str, where: list[str], params: list[Any], keys: tuple[str, str],
                cursor: str | None, limit: int, invalid: str = "Cursor is invalid or expired.",
                kinds: tuple[type, type] = (int, int), invalid_code: int = INVALID_ARGUMENT,
                ) -> tuple[list[sqlite3.Row], str | None]:
    """One page of ``table`` rows matching ``where``, ordered by the two ``keys``, after ``cursor``.

    Returns the rows and the cursor of the next page (``None`` on the last page). A cursor that does not
    decode to two values of ``kinds`` is ``invalid`` (gRPC ``invalid_code``). Example: ``rows, nxt =
    keyset_page(db, "group_edge", ["group_id = ?"], [gid], ("state", "position"), req.q("cursor"), 100)``
    """
    where, params = list(where), list(params)
    if cursor:
        try:
            params += decode_cursor(cursor, invalid, kinds)
        except ApiFailure as failure:
            raise ApiFailure(invalid_code, invalid) from failure
        where.append(f"({keys[0]}, {keys[1]}) > (?, ?)")
    rows = db.all(f"SELECT * FROM {table} WHERE {' AND '.join(where) or '1 = 1'}"
                  f" ORDER BY {keys[0]}, {keys[1]} LIMIT ?", (*params, limit + 1))
    following = None
    if len(rows) > limit:
        following = encode_cursor([rows[limit - 1][keys[0]], rows[limit - 1][keys[1]]])
    return rows[:limit], following


def pg_refuses(*texts: str, limit: int | None = None) -> bool:
    """True where Nakama's Postgres fails a query, which Nakama answers with its own 500: a NUL byte in
    any of ``texts``, or one longer than a ``VARCHAR(limit)`` column. Example: ``pg_refuses(key, limit=128)``
    """
    return any("\x00" in t or (limit is not None and len(t) > limit) for t in texts)


def limit_param(value: int | None, default: int, low: int, high: int) -> int:
    """A ``limit`` query param with Nakama's bounds check."""
    if value is None:
        return default
    if value < low or value > high:
        raise ApiFailure(INVALID_ARGUMENT, f"Invalid limit - limit must be between {low} and {high}.")
    return value


def int_value(value: Any, name: str) -> int | None:
    """A JSON body int (or int64 string, or wrapper); ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {name}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) <= 40 and _JSON_NUMBER.fullmatch(value):   # protojson: "12", also "1e2" and "3.0"
        number = decimal.Decimal(value)
        if number == number.to_integral_value():
            return int(number)
    raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {name}: {value!r}")


def bool_value(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {name}: {value!r}")


def str_value(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {name}: {value!r}")
    return value
