"""Hooks of server code: before/after HTTP operations and realtime messages, matchmaker matched.

Registered through an :class:`Initializer` (what ``init_module`` gets) and kept in :class:`RuntimeHooks`
on the :class:`DevServer`, so they survive a restart. ``install(hub)`` plugs them into the hub:

- HTTP (``hub.routes.interceptor``): a before hook ``fn(ctx, payload) -> payload | None`` sees the request
  body as a dict and may return a changed one; ``None`` refuses with 404 "Requested resource was not
  found." (a disabled resource, as in Nakama); raising refuses with the exception's code (13 unless a
  :class:`RuntimeFunctionError` says otherwise). An after hook ``fn(ctx, out, payload)`` sees the reply.
- Realtime (``hub.runtime``, called by ``_ws._dispatch``): the same shapes on the message body. ``None``
  answers error 1 "Requested resource was not found." and closes the socket; raising answers error 7.
  RPCs have no hooks, as in Nakama.
- Matchmaker matched (called by ``_rt_matchmaker``): ``fn(ctx, matched) -> match_id | None``; each entry
  of ``matched`` is ``{"presence": {...,"node"}, "properties": {...}, "party_id"?}``. A match id is sent
  in ``matchmaker_matched`` instead of a token; ``None`` or a raising hook (logged) means a token.
After hooks that raise are logged and change nothing. Loop thread only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..exceptions import InvalidArgument
from ._http import INTERNAL, NOT_FOUND, ApiFailure, ApiRequest, Handler
from ._hub import RpcContext
from ._runtime import RuntimeFunctionError, run_hook
from ._ws import WsFailure, WsSession

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["HTTP_OPERATIONS", "Initializer", "RuntimeHooks", "install"]

log = logging.getLogger("nakama_sync.devserver.runtime")

# Nakama's operation names (api.proto's rpc names) for the HTTP operations that take hooks here.
HTTP_OPERATIONS: dict[str, list[tuple[str, str]]] = {
    "AuthenticateDevice": [("POST", "/v2/account/authenticate/device")],
    "AuthenticateCustom": [("POST", "/v2/account/authenticate/custom")],
    "AuthenticateEmail": [("POST", "/v2/account/authenticate/email")],
    "GetAccount": [("GET", "/v2/account")],
    "UpdateAccount": [("PUT", "/v2/account")],
    "GetUsers": [("GET", "/v2/user")],
    "WriteStorageObjects": [("PUT", "/v2/storage")],
    "ReadStorageObjects": [("POST", "/v2/storage")],
    "DeleteStorageObjects": [("PUT", "/v2/storage/delete")],
    "ListStorageObjects": [("GET", "/v2/storage/{collection}"), ("GET", "/v2/storage/{collection}/{user_id}")],
    "WriteLeaderboardRecord": [("POST", "/v2/leaderboard/{leaderboard_id}")],
    "ListLeaderboardRecords": [("GET", "/v2/leaderboard/{leaderboard_id}")],
    "WriteTournamentRecord": [("PUT", "/v2/tournament/{tournament_id}"), ("POST", "/v2/tournament/{tournament_id}")],
    "JoinTournament": [("POST", "/v2/tournament/{tournament_id}/join")],
    "ListMatches": [("GET", "/v2/match")],
    "ListNotifications": [("GET", "/v2/notification")],
}
_ROUTE_OPERATION = {route: name for name, routes in HTTP_OPERATIONS.items() for route in routes}
_DISABLED = "Requested resource was not found."


def _rt_name(name: str) -> str:
    """``"ChannelJoin"``, ``"channel_join"`` and ``"channeljoin"`` all name the ``channel_join`` message."""
    return name.replace("_", "").lower()


class RuntimeHooks:
    """Every hook registered on a DevServer (kept across restarts)."""

    def __init__(self) -> None:
        self.req_before: dict[str, Callable[..., Any]] = {}
        self.req_after: dict[str, Callable[..., Any]] = {}
        self.rt_before: dict[str, Callable[..., Any]] = {}
        self.rt_after: dict[str, Callable[..., Any]] = {}
        self.matchmaker_matched: Callable[..., Any] | None = None


class Initializer:
    """What ``init_module(ctx, logger, nk, initializer)`` registers server code with (Nakama's Initializer).

    Example: ``initializer.register_rpc("hello", lambda ctx, payload: "hi")``
    Call it while loading modules (any thread); hooks apply to requests that arrive afterwards.
    """

    def __init__(self, server: Any, hooks: RuntimeHooks) -> None:
        self._server = server
        self._hooks = hooks

    def register_rpc(self, id: str, fn: Callable[[RpcContext, str], str | None]) -> None:
        """``fn(ctx, payload) -> str | None`` becomes RPC ``id``. Example: ``initializer.register_rpc("echo", f)``"""
        self._server.register_rpc(id, fn)

    def register_match(self, name: str, handler: Any) -> None:
        """An authoritative match handler (an object with ``match_init``, ``match_loop``, ...).

        Example: ``initializer.register_match("squares", SquaresMatch())``
        """
        self._server.register_match_handler(name, handler)

    def register_matchmaker_matched(self, fn: Callable[[RpcContext, list[dict[str, Any]]], str | None]) -> None:
        """``fn(ctx, matched) -> match_id | None``, called for each matched group.

        Example: ``initializer.register_matchmaker_matched(lambda ctx, m: nk.match_create("squares", {}))``
        """
        self._hooks.matchmaker_matched = fn

    def _operation(self, operation: str) -> str:
        if operation not in HTTP_OPERATIONS:
            raise InvalidArgument(f"no hookable HTTP operation {operation!r}; one of: {', '.join(HTTP_OPERATIONS)}")
        return operation

    def register_req_before(self, operation: str, fn: Callable[[RpcContext, dict[str, Any]], Any]) -> None:
        """Before an HTTP operation (e.g. ``"WriteStorageObjects"``): ``fn(ctx, payload) -> payload | None``.

        Example: ``initializer.register_req_before("UpdateAccount", lambda ctx, p: p)``
        """
        self._hooks.req_before[self._operation(operation)] = fn

    def register_req_after(self, operation: str, fn: Callable[[RpcContext, Any, dict[str, Any]], Any]) -> None:
        """After a successful HTTP operation: ``fn(ctx, out, payload)``.

        Example: ``initializer.register_req_after("AuthenticateDevice", on_login)``
        """
        self._hooks.req_after[self._operation(operation)] = fn

    def register_rt_before(self, message: str, fn: Callable[[RpcContext, dict[str, Any]], Any]) -> None:
        """Before a realtime message (e.g. ``"ChannelJoin"``, ``"MatchmakerAdd"``): ``fn(ctx, msg) -> msg | None``.

        Example: ``initializer.register_rt_before("ChannelMessageSend", censor)``
        """
        self._hooks.rt_before[_rt_name(message)] = fn

    def register_rt_after(self, message: str, fn: Callable[[RpcContext, Any, dict[str, Any]], Any]) -> None:
        """After a successful realtime message: ``fn(ctx, out, msg)`` (``out`` the reply body or None).

        Example: ``initializer.register_rt_after("MatchJoin", on_join)``
        """
        self._hooks.rt_after[_rt_name(message)] = fn


class RuntimeBinding:
    """The hooks of one running hub (``hub.runtime``)."""

    def __init__(self, hub: Hub, hooks: RuntimeHooks) -> None:
        self.hub = hub
        self.hooks = hooks

    # ---- HTTP ------------------------------------------------------------------------------
    def around_http(self, method: str, path: str, req: ApiRequest, handler: Handler) -> Any:
        operation = _ROUTE_OPERATION.get((method, path))
        before = self.hooks.req_before.get(operation or "")
        after = self.hooks.req_after.get(operation or "")
        if before is None and after is None:
            return handler(req)
        ctx = RpcContext(self.hub.server, user_id=req.user_id, username=req.username,
                         vars=(req.claims or {}).get("vrs") or {}, execution_mode="before",
                         query={k: req.query.getall(k) for k in req.query})
        payload = req.json()
        if before is not None:
            try:
                changed = run_hook("before hook", before, ctx, payload)
            except RuntimeFunctionError as exc:
                raise ApiFailure(exc.code, exc.message) from exc
            if changed is None:
                log.warning("Intercepted a disabled resource: %s", operation)
                raise ApiFailure(NOT_FOUND, _DISABLED)
            if not isinstance(changed, dict):
                raise ApiFailure(INTERNAL, f"before hook of {operation} must return a dict or None")
            req.replace_body(changed)
            payload = changed
        result = handler(req)
        if after is not None and isinstance(result, dict):
            ctx.execution_mode = "after"
            try:
                after(ctx, result, payload)
            except Exception:
                log.exception("after hook of %s failed", operation)
        return result

    # ---- realtime ---------------------------------------------------------------------------
    def _rt_ctx(self, session: WsSession, mode: str) -> RpcContext:
        return RpcContext(self.hub.server, user_id=session.user_id, username=session.username, vars=session.vars,
                          session_id=session.session_id, expiry=session.expiry, execution_mode=mode,
                          lang=session.lang)

    def rt_before(self, session: WsSession, key: str, msg: dict[str, Any]) -> dict[str, Any] | None:
        """The message to handle (maybe changed by a hook), None when a hook disabled it. WsFailure 7 on error."""
        if not self.hooks.rt_before:   # the common case: every message passes by here
            return msg
        fn = self.hooks.rt_before.get(_rt_name(key))
        if fn is None or key == "rpc":
            return msg
        try:
            changed = run_hook("before hook", fn, self._rt_ctx(session, "before"), dict(msg))
        except RuntimeFunctionError as exc:
            raise WsFailure(7, exc.message) from exc
        if changed is None:
            log.warning("Intercepted a disabled resource: %s", key)
            return None
        if not isinstance(changed, dict):
            raise WsFailure(7, f"before hook of {key} must return a dict or None")
        return changed

    def rt_after(self, session: WsSession, key: str, out: Any, msg: dict[str, Any]) -> None:
        if not self.hooks.rt_after:
            return
        fn = self.hooks.rt_after.get(_rt_name(key))
        if fn is None or key == "rpc":
            return
        try:
            fn(self._rt_ctx(session, "after"), out, msg)
        except Exception:
            log.exception("after hook of %s failed", key)

    # ---- matchmaker ----------------------------------------------------------------------
    def matchmaker_matched(self, matched: list[dict[str, Any]]) -> str | None:
        """The match id the hook chose for a matched group, or None (then a token is sent)."""
        fn = self.hooks.matchmaker_matched
        if fn is None:
            return None
        try:
            match_id = fn(RpcContext(self.hub.server, execution_mode="matchmaker"), matched)
        except Exception:
            log.exception("Error running Matchmaker Matched hook.")
            return None
        return match_id if isinstance(match_id, str) and match_id else None


def install(hub: Hub) -> None:
    """Plug the DevServer's hooks into the HTTP routes, the socket and the matchmaker."""
    from ._runtime_nk import WALLET_MIGRATIONS
    hub.db.register("wallet_ledger", WALLET_MIGRATIONS)
    hooks = getattr(hub.server, "runtime_hooks", None) or RuntimeHooks()
    binding = RuntimeBinding(hub, hooks)
    hub.runtime = binding  # type: ignore[attr-defined]
    hub.routes.interceptor = binding.around_http
