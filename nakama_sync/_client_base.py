"""What every Client mixin may rely on: ``self._call``, ``self._submit`` and ``_quote`` (implemented in
client.py), and :func:`nowait`, which makes the non-blocking form of a method.

Contract for the API mixins (``_client_*.py``)::

    self._call(method, path, session=None, *, query=None, body=None, basic_auth=False, retry=None) -> Any

- ``path`` is the URL path with each variable segment already escaped by ``_quote(segment)``;
- ``session``: the Session for Bearer auth (refreshed first when auto_refresh_session is on);
  ``basic_auth=True`` uses the server key instead; neither means no auth;
- ``query``: a mapping; ``None`` values are left out, bools become ``true``/``false``, lists repeat the key;
- ``body``: any JSON value (``None`` sends no body);
- ``retry``: ``None`` = retry only when the method is idempotent (GET/PUT/DELETE), True/False forces it;
- returns the parsed JSON reply (``{}`` for an empty one) or raises ApiError / TransportError / HttpTimeout.

    self._submit(name, fn) -> HttpFuture[R]   runs ``fn()`` on the client's worker pool

Each public method ``name`` is followed in its class by ``name_nowait = nowait(name)``.
"""
from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import quote

from ._client_args import check_args
from ._client_pump import HttpFuture
from .session import Session

__all__ = ["_ClientBase", "_quote", "nowait"]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="_ClientBase")


def _quote(segment: str) -> str:
    """Escape one path segment (``/`` included)."""
    return quote(segment, safe="")


class _ClientBase:
    def _call(self, method: str, path: str, session: Session | None = None, *,
              query: Mapping[str, Any] | None = None, body: Any = None, basic_auth: bool = False,
              retry: bool | None = None) -> Any:
        raise NotImplementedError  # implemented by Client

    def _submit(self, name: str, fn: Callable[[], R]) -> HttpFuture[R]:
        raise NotImplementedError  # implemented by Client


def nowait(method: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], HttpFuture[R]]:
    """The non-blocking form of a Client method: same arguments, returns ``HttpFuture[R]`` at once.

    The generated function carries its own name, docstring, signature and annotations, so ``help()``,
    ``inspect.signature`` and ``typing.get_type_hints`` describe it as if written by hand.
    """
    name = method.__name__
    unchecked: Callable[..., R] = getattr(method, "unchecked", method)

    def call_nowait(self: C, /, *args: P.args, **kwargs: P.kwargs) -> HttpFuture[R]:
        check_args(method, (self, *args), kwargs)   # bad arguments raise here, on the caller's thread
        return self._submit(name, lambda: unchecked(self, *args, **kwargs))

    hints = typing.get_type_hints(method)   # resolved now: the module's imports are done
    future_type = typing.cast(Any, HttpFuture)[hints["return"]]
    returns_text = getattr(hints["return"], "__name__", str(hints["return"]))
    blocking_sig = inspect.signature(method)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in blocking_sig.parameters.values()]
    call_nowait.__name__ = f"{name}_nowait"
    call_nowait.__qualname__ = method.__qualname__ + "_nowait"
    call_nowait.__module__ = method.__module__
    call_nowait.__signature__ = blocking_sig.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=future_type)
    call_nowait.__annotations__ = {**hints, "return": future_type}
    first_paragraph = inspect.cleandoc(method.__doc__ or name).split("\n\n")[0]
    summary = " ".join(first_paragraph.split()).split(" Example:")[0]
    call_nowait.__doc__ = (
        f"Non-blocking :meth:`{name}`: returns an ``HttpFuture[{returns_text}]`` at once and runs the\n"
        f"request on the client's worker threads. Its done-callbacks run in ``client.poll()`` on the\n"
        f"game's thread; ``result()`` raises the errors of :meth:`{name}` (bad arguments raise here, at\n"
        f"once). The call ends within ``client.max_call_time()``.\n\n"
        f"{name}: {summary}\n\n"
        f"Example: ``client.{name}_nowait(...).add_done_callback(on_done)``. Any thread.\n")
    return call_nowait
