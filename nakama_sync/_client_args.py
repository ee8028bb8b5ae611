"""Argument checks for the public Client methods, read from their type hints.

``@checked`` on a method makes every call check its arguments against the method's annotations before
anything is sent: a value of the wrong type raises :class:`InvalidArgumentType` (also a ``TypeError``),
a ``limit`` below 1 raises :class:`InvalidArgument` (also a ``ValueError``), each naming the method and
the argument. What is checked: plain classes (``bool`` is not accepted for ``int``, ``int`` is for
``float``), ``X | None``, ``Literal``, and the container of ``Sequence``/``Iterable``/``Mapping``
arguments (a ``str`` is refused where a sequence of strings is expected, unless ``str`` is also allowed;
the items of lists, tuples, sets and dicts are checked too). ``Any`` accepts anything.
"""
from __future__ import annotations

import collections.abc
import functools
import inspect
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from .exceptions import ApiError, DecodeError, InvalidArgument, InvalidArgumentType

__all__ = ["check_args", "checked"]

F = TypeVar("F", bound=Callable[..., Any])

_CONTAINERS = (list, tuple, set, frozenset)
_BOUND = ("\n\nBlocks the calling thread until the reply is in: at most ``client.max_call_time()`` (43.5 s with "
          "the defaults, plus a session refresh if one is due); the ``_nowait`` form never blocks.")


def _describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def _name(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "").replace("collections.abc.", "")


def _matches(value: object, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (see the module docstring for what is checked)."""
    if hint is Any or isinstance(hint, TypeVar):
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_matches(value, member) for member in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if origin is None:
        if not isinstance(hint, type):
            return True   # something we do not check (a string forward reference, a ParamSpec...)
        if hint is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if hint is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, hint)
    args = typing.get_args(hint)
    if origin in (collections.abc.Mapping, dict, collections.abc.MutableMapping):
        if not isinstance(value, collections.abc.Mapping):
            return False
        if len(args) == 2 and isinstance(value, dict):
            return all(_matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
        return True
    if isinstance(origin, type) and issubclass(origin, collections.abc.Iterable):
        if isinstance(value, (str, bytes)) or not isinstance(value, origin):
            return False
        if len(args) == 1 and isinstance(value, _CONTAINERS):
            return all(_matches(item, args[0]) for item in value)
        return True
    return True


class _Checker:
    """Checks the arguments of one function; the hints are read on the first call."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self._signature = inspect.signature(fn)
        self._hints: dict[str, Any] | None = None

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        name = self._fn.__name__
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidArgumentType(f"{name}(): {exc}") from None
        hints = self._hints
        if hints is None:
            hints = self._hints = typing.get_type_hints(self._fn)
        for arg, value in bound.arguments.items():
            hint = hints.get(arg)
            if hint is None or arg == "self":
                continue
            if not _matches(value, hint):
                raise InvalidArgumentType(f"{name}(): {arg} must be {_name(hint)}, not {_describe(value)}")
            if arg == "limit" and value is not None and value < 1:
                raise InvalidArgument(f"{name}(): limit must be at least 1, not {value!r}")


def checked(fn: F) -> F:
    """Check the arguments of every call of ``fn`` against its annotations before running it; a reply
    the models cannot read (:class:`DecodeError`) becomes an :class:`ApiError`; the docstring gains the
    call's time bound. ``.unchecked`` is the call without the argument checks (for ``_nowait`` forms,
    which check on the caller's thread)."""
    checker = _Checker(fn)
    name = fn.__name__

    def unchecked(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DecodeError as exc:   # a 2xx reply whose shape is wrong: an HTTP failure like any other
            raise ApiError(200, None, f"{name}(): the server's reply is malformed: {exc}") from exc

    @functools.wraps(fn)
    def with_checks(*args: Any, **kwargs: Any) -> Any:
        checker(args, kwargs)
        return unchecked(*args, **kwargs)

    with_checks.check_args = checker  # type: ignore[attr-defined]
    with_checks.unchecked = unchecked  # type: ignore[attr-defined]
    with_checks.__doc__ = inspect.cleandoc(fn.__doc__ or "") + _BOUND
    return with_checks  # type: ignore[return-value]


def check_args(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Run the checks of a ``@checked`` function without calling it (nothing for other functions)."""
    checker = getattr(fn, "check_args", None)
    if checker is not None:
        checker(args, kwargs)
