"""The hub: the dev server's shared state, owned by its event-loop thread.

Feature modules (``_http_*.py``, ``_rt_*.py``) each have an ``install(hub)`` function that registers
their database migrations, HTTP routes, socket message handlers, and session-closed hooks, and may hang
a registry object on the hub (``hub.matches``, ``hub.parties``, ...). Everything on the hub is touched
only from the loop thread; other threads go through ``DevServer.call()``.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import _jwt
from ._config import DevServerConfig
from ._db import Database
from ._http import RouteTable

if TYPE_CHECKING:
    from ._conditions import NetworkShaper
    from ._ws import WsSession

__all__ = ["HUB_KEY", "Hub", "RpcContext", "RpcFunction"]


class RpcContext:
    """What server code (an RPC, a hook, a match handler) learns about its caller: Nakama's runtime context.

    ``user_id``/``username``/``vars`` are empty for a server-to-server call (http_key);
    ``session_id`` is set only over the socket; ``query`` holds the HTTP query parameters.
    ``execution_mode`` is ``"rpc"``, ``"before"``, ``"after"``, ``"matchmaker"`` or ``"match"``; in a match
    ``match_id``, ``match_node``, ``match_label`` and ``match_tick_rate`` are set. ``node`` and ``env``
    (the ``runtime_env`` option) are the server's. ``server`` is the :class:`DevServer`.
    Example: ``def rpc(ctx, payload): return ctx.user_id``. Read it on the thread that handed it to you.
    """

    def __init__(self, server: Any, user_id: str = "", username: str = "", vars: dict[str, str] | None = None,
                 session_id: str = "", query: dict[str, list[str]] | None = None, expiry: int = 0,
                 execution_mode: str = "rpc", match_id: str = "", match_label: str = "",
                 match_tick_rate: int = 0, lang: str = "") -> None:
        self.server = server
        self.user_id = user_id
        self.username = username
        self.vars = dict(vars or {})
        self.session_id = session_id
        self.query = dict(query or {})
        self.expiry = expiry
        self.execution_mode = execution_mode
        config = getattr(server, "config", None)
        self.node: str = getattr(config, "node", "nakama")
        self.env: dict[str, str] = dict(getattr(config, "runtime_env", None) or {})
        self.lang = lang
        self.match_id = match_id
        self.match_node = self.node if match_id else ""
        self.match_label = match_label
        self.match_tick_rate = match_tick_rate

    def __repr__(self) -> str:
        return f"RpcContext(user_id={self.user_id!r}, session_id={self.session_id!r})"


RpcFunction = Callable[[RpcContext, str], "str | None"]


class Hub:
    conditions: NetworkShaper   # network conditions (latency, loss, ...), set by DevServer right after __init__

    def __init__(self, config: DevServerConfig, server: Any = None) -> None:
        self.config = config
        self.server = server          # the DevServer facade (RpcContext.server)
        self.outgoing_backlog = False  # some session's outgoing queue is filling up: readers yield (_ws.py)
        self.log = logging.getLogger("nakama_sync.devserver")
        self.db = Database(config.database)
        self.routes = RouteTable()
        # socket message key -> (handler, field spec); see _ws.py
        self.ws_handlers: dict[str, tuple[Callable[..., Any], dict[str, str]]] = {}
        self.session_opened_hooks: list[Callable[[WsSession], None]] = []
        self.session_closed_hooks: list[Callable[[WsSession], None]] = []
        self.sessions: dict[str, WsSession] = {}               # session_id -> session
        self.sessions_by_user: dict[str, dict[str, WsSession]] = {}
        self.rpcs: dict[str, RpcFunction] = {}
        # notify(user_id, subject, content, code, sender_id=None, persistent=True) -> wire dict;
        # installed by _rt_notifications
        self.notify: Callable[..., dict[str, Any]]
        # token-id checks, filled in by the accounts module (logout support)
        self.is_token_revoked: Callable[[dict[str, Any]], bool] = lambda claims: False
        # user id -> unix second of the last "log out everywhere" or deletion (see _revocation)
        self.tokens_invalidated_at: dict[str, int] = {}
        self.socket_token_admitted: Callable[[dict[str, Any]], bool] = lambda claims: True
        self.shutting_down = False

    # ---- tokens ---------------------------------------------------------------------------
    def issue_tokens(self, user_id: str, username: str, vars: dict[str, str] | None = None,
                     token_id: str | None = None, issued_at: int | None = None) -> tuple[str, str]:
        """A new (session token, refresh token) pair with Nakama's HS256 claims: ``tid`` (the same in both
        tokens, kept across refreshes), ``uid``, ``usn``, ``vrs`` (left out when empty), ``exp``, ``iat``."""
        now = int(time.time())
        tid = token_id or str(uuid.uuid4())
        iat = issued_at or now
        base: dict[str, Any] = {"tid": tid, "uid": user_id, "usn": username}
        if vars:
            base["vrs"] = dict(vars)
        token = _jwt.encode({**base, "exp": now + self.config.token_expiry_sec, "iat": iat},
                            self.config.encryption_key)
        refresh = _jwt.encode({**base, "exp": now + self.config.refresh_token_expiry_sec, "iat": iat},
                              self.config.refresh_encryption_key)
        return token, refresh

    def verify_session_token(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired, not revoked session token, else None."""
        try:
            claims = _jwt.decode(token, self.config.encryption_key, now=time.time())
        except _jwt.InvalidToken:
            return None
        if not isinstance(claims.get("uid"), str) or self.is_token_revoked(claims):
            return None
        return claims

    # ---- socket sessions ------------------------------------------------------------------
    def add_session(self, session: WsSession) -> None:
        self.sessions[session.session_id] = session
        self.sessions_by_user.setdefault(session.user_id, {})[session.session_id] = session

    def remove_session(self, session: WsSession) -> None:
        if self.sessions.pop(session.session_id, None) is None:
            return
        user_sessions = self.sessions_by_user.get(session.user_id)
        if user_sessions is not None:
            user_sessions.pop(session.session_id, None)
            if not user_sessions:
                del self.sessions_by_user[session.user_id]
        for hook in list(self.session_closed_hooks):
            try:
                hook(session)
            except Exception:
                self.log.exception("session-closed hook failed")

    def user_sessions(self, user_id: str) -> list[WsSession]:
        return list(self.sessions_by_user.get(user_id, {}).values())

    def ws_handler(self, key: str, fields: dict[str, str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: handle the socket message ``key`` whose body has ``fields`` (see _ws.FIELD_TYPES)."""
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.ws_handlers[key] = (fn, fields)
            return fn
        return register


# The aiohttp application key under which the hub is stored.
HUB_KEY: web.AppKey[Hub] = web.AppKey("hub", Hub)
