"""Wire encoding helpers shared by the HTTP client, the socket and the models.

Nakama speaks protojson: snake_case names, int64 as strings, bytes as standard base64, timestamps as
RFC 3339 UTC, defaults left out. ``orjson`` is used for JSON when it is installed (same results).
"""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone
from typing import Any

try:  # optional acceleration
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

__all__ = [
    "HAVE_ORJSON",
    "b64decode",
    "b64encode",
    "dumps",
    "format_time",
    "int64",
    "json_text",
    "loads",
    "parse_json_text",
    "parse_time",
]

HAVE_ORJSON = _orjson is not None


def _dumps_std(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


if _orjson is not None:
    _orjson_dumps = _orjson.dumps

    def dumps(obj: Any) -> str:
        """Compact JSON text of ``obj``."""
        return _orjson_dumps(obj).decode("utf-8")

    loads = _orjson.loads
else:
    dumps = _dumps_std
    loads = json.loads


def parse_time(value: str | None) -> datetime | None:
    """RFC 3339 text (any precision, ``Z`` or offset) to an aware UTC datetime; ``None`` stays ``None``."""
    if not value:
        return None
    text = value
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python < 3.11 fromisoformat accepts only 3 or 6 fractional digits: normalise to 6.
    dot = text.find(".")
    if dot != -1:
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        frac = text[dot + 1:end][:6].ljust(6, "0")
        text = text[:dot + 1] + frac + text[end:]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime, digits: int = 0) -> str:
    """An aware datetime as RFC 3339 UTC with ``Z`` and 0, 3, 6 or 9 fractional digits."""
    value = value.astimezone(timezone.utc)
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        frac = f"{value.microsecond:06d}".ljust(9, "0")[:digits]
        base += "." + frac
    return base + "Z"


def b64encode(data: bytes) -> str:
    """Standard padded base64, as protojson writes bytes."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not (what protojson accepts). Raises ValueError."""
    if not text:
        return b""
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")
    pad = -len(text) % 4
    if pad:
        text += "=" * pad
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"invalid base64: {exc}") from exc


def int64(value: Any) -> int:
    """An int64 field as sent by protojson (a string, sometimes a number) to ``int``."""
    if value is None or value == "":
        return 0
    return int(value)


def json_text(value: Any) -> str:
    """A JSON-in-a-string field: dicts/lists are encoded, strings pass through unchanged."""
    if isinstance(value, str):
        return value
    return dumps(value)


def parse_json_text(value: str | None) -> Any:
    """Decode a JSON-in-a-string field; empty means ``{}``. Text that is not JSON (or is nested too deeply
    to decode) is kept as it is."""
    if not value:
        return {}
    try:
        return loads(value)
    except (ValueError, RecursionError):   # not JSON, or nested too deeply to decode
        return value
