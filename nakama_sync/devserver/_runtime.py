"""Shared pieces of the dev server's runtime (server code written in Python; see docs/runtime.md).

- :class:`RuntimeFunctionError`: what a runtime function raises, and what server code raises to answer
  with a chosen gRPC code (Nakama's ``runtime.NewError(message, code)`` / Lua ``error({message, code})``).
- :func:`call_route`: runs one of the dev server's own HTTP handlers for server code, so a runtime
  function follows the very rules (validation, SQL, error texts) a client meets over HTTP. The request is
  marked ``authoritative``: handlers let server code name owners and pass permission checks, as
  Nakama's runtime functions may.
- :func:`run_hook`: calls a piece of server code and turns its failure into a RuntimeFunctionError.

Loop thread only (``DevServer.call`` gets there from other threads).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aiohttp import web
from multidict import MultiDict

from ..exceptions import NakamaError
from ._http import INTERNAL, ApiFailure, ApiRequest

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["RuntimeFunctionError", "call_route", "run_hook"]

T = TypeVar("T")


class RuntimeFunctionError(NakamaError):
    """A runtime function refused (``code`` is the gRPC code, e.g. 3 invalid argument, 5 not found).

    Raise it from an RPC or a before hook to answer the client with that code; any other exception
    answers 13 (internal). Example: ``raise RuntimeFunctionError("not your turn", 9)``
    Any thread.
    """

    def __init__(self, message: str, code: int = INTERNAL) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message, self.code))


def call_route(hub: Hub, method: str, path: str, *, user_id: str = "", username: str = "",
               match_info: dict[str, str] | None = None, body: Any = None,
               query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """Run the handler of ``method path`` (a route template) as server code acting for ``user_id``.

    Returns its JSON reply as a dict; an :class:`ApiFailure` becomes a :class:`RuntimeFunctionError`
    with the same code and message.
    """
    handler = hub.routes.handler(method, path)
    raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode("utf-8")
    claims = {"uid": user_id, "usn": username} if user_id else None
    # No aiohttp request exists: the handlers reached from here never read ``req.request``.
    req = ApiRequest(hub, cast(web.Request, None), dict(match_info or {}), MultiDict(query or []), raw,
                     claims=claims, authoritative=True)
    try:
        result = handler(req)
    except ApiFailure as failure:
        raise RuntimeFunctionError(failure.message, failure.code) from failure
    return dict(result) if isinstance(result, dict) else {}


def run_hook(what: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``; its exception comes back as a RuntimeFunctionError (its code, else 13)."""
    try:
        return fn(*args)
    except RuntimeFunctionError:
        raise
    except Exception as exc:
        raise RuntimeFunctionError(str(exc) or f"{what} raised {type(exc).__name__}") from exc
