"""Argument checks of the socket's request methods: a wrong type or value raises InvalidArgumentType/InvalidArgument
naming the argument, before anything is sent (the server would close the socket instead of answering).
Thread safety: pure functions; any thread.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import InvalidArgument, InvalidArgumentType
from .models.realtime import UserPresence

_INT32_MAX = 2**31 - 1


def _text(name: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a str, not {type(value).__name__}")
    if not value and not allow_empty:
        raise InvalidArgument(f"{name} must not be empty")
    return value


def _int32(name: str, value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= _INT32_MAX:
        raise InvalidArgument(f"{name} must be between {low} and {_INT32_MAX}")
    return value


def _presence(value: Any) -> dict[str, str]:
    """A UserPresence (or a mapping with its keys) as the three wire fields the server accepts."""
    if isinstance(value, UserPresence):
        fields = {"user_id": value.user_id, "session_id": value.session_id, "username": value.username}
    elif isinstance(value, Mapping):
        fields = {k: value.get(k, "") for k in ("user_id", "session_id", "username")}
    else:
        raise InvalidArgumentType(f"presence must be a UserPresence, not {type(value).__name__}")
    for key, text in fields.items():
        if not isinstance(text, str) or not text:
            raise InvalidArgument(f"presence.{key} must be a non-empty str")
    return fields


