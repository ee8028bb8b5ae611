"""``DevServer``: the embedded, Nakama-compatible development server, run on a background thread.

It serves Nakama's HTTP API under ``/v2/...`` and the realtime socket at ``/ws`` on one port, with
state in SQLite (in memory by default, or a file that survives restarts).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import logging
import ssl as _ssl
import threading
from collections.abc import Callable
from dataclasses import fields as _dc_fields
from typing import Any, TypeVar

from aiohttp import web

from ..exceptions import InvalidArgumentType, NakamaError, UsageError
from ._conditions import ConditionsTable, NetworkConditions, NetworkShaper, http_middleware
from ._config import DevServerConfig
from ._http import AIOHTTP_LINE_LIMIT, ApiFailure, error_response, request_guard
from ._hub import HUB_KEY, Hub, RpcFunction
from ._runtime_hooks import RuntimeHooks
from ._runtime_nk import NakamaModule

__all__ = ["DevServer", "DevServerError"]

T = TypeVar("T")
log = logging.getLogger("nakama_sync.devserver")


class DevServerError(NakamaError, RuntimeError):
    """The dev server could not start (its port is busy, its TLS files are unreadable, it did not answer
    within the start timeout...). The message says why.

    Example: ``except DevServerError as exc: print(exc)``
    """

# Feature modules, each with install(hub). Order matters only for hooks that depend on each other.
_MODULES = [
    "_ws",
    "_http_accounts",
    "_http_account_profile",
    "_revocation",
    "_http_rpc",
    "_rt_notifications",
    "_http_friends",
    "_http_groups",
    "_http_storage",
    "_http_leaderboards",
    "_http_misc",
    "_rt_match",
    "_rt_match_auth",
    "_rt_rpc",
    "_rt_status",
    "_rt_chat",
    "_rt_stream",
    "_rt_matchmaker",
    "_rt_party",
    "_runtime_hooks",
]


class DevServer:
    """A Nakama-compatible server in this process.

    Example: ``with DevServer(port=0) as server: client = Client(port=server.port)``

    Thread safety: ``start``, ``stop`` and every other public method may be called from any thread,
    including from inside an RPC function running on the server's own thread.
    Options: every field of :class:`DevServerConfig` as a keyword argument.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 7350, **options: Any) -> None:
        known = {f.name for f in _dc_fields(DevServerConfig)}
        unknown = set(options) - known
        if unknown:
            raise InvalidArgumentType(f"unknown DevServer option(s): {', '.join(sorted(unknown))}")
        self.config = DevServerConfig(host=host, port=port, **options)
        c = self.config
        self._network = ConditionsTable(NetworkConditions(c.latency_ms, c.jitter_ms, c.loss, c.bandwidth_kbps),
                                        c.http_latency_ms, c.conditions_seed)
        self._requested_port = port
        self._rpcs: dict[str, RpcFunction] = {}
        self._match_handlers: dict[str, Any] = {}
        self.runtime_hooks = RuntimeHooks()   # hooks of server code (_runtime_hooks.py)
        self.nk = NakamaModule(self)          # the runtime API (docs/runtime.md)
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self.hub: Hub | None = None
        self._board_defs: dict[str, Any] = {}   # leaderboards and tournaments (_leaderboard_defs)
        self.port: int = port

    # ---- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the server accepts connections. Any thread. Example: ``if server.running: ...``"""
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set()

    @property
    def host(self) -> str:
        """The address it listens on. Any thread. Example: ``Client(host=server.host, port=server.port)``"""
        return self.config.host

    @property
    def ssl(self) -> bool:
        """True when it serves https:// and wss://. Any thread. Example: ``Client(ssl=server.ssl)``"""
        return bool(self.config.ssl_certificate)

    @property
    def url(self) -> str:
        """``http://host:port`` (``https`` with TLS). Any thread."""
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> DevServer:
        """Start serving (a no-op when already running). Returns ``self``.

        Example: ``server = DevServer(port=0).start()``
        Any thread (including server code running on the server's own thread).
        """
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self
            self._ready.clear()
            self._start_error = None
            self._thread = threading.Thread(target=self._run, name="nakama-devserver", daemon=True)
            self._thread.start()
        if not self._ready.wait(timeout):
            raise DevServerError("dev server did not start in time")
        if self._start_error is not None:
            self._thread.join(timeout)
            raise DevServerError(f"dev server failed to start: {self._start_error}") from self._start_error
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop serving and close every socket; a no-op when not running.

        Example: ``server.stop()``
        Any thread (including server code running on the server's own thread).
        """
        with self._lock:
            thread, loop, stop_event = self._thread, self._loop, self._stop_event
            if thread is None or loop is None or stop_event is None:
                return
            try:
                loop.call_soon_threadsafe(stop_event.set)
            except RuntimeError:  # loop already closed
                pass
            if threading.current_thread() is thread:
                return  # called from server code: the loop stops once this call returns
            thread.join(timeout)
            self._thread = None

    def __enter__(self) -> DevServer:  # noqa: PYI034 (Self needs 3.11)
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- server-side API ------------------------------------------------------------------
    def register_rpc(self, name: str, fn: RpcFunction) -> None:
        """Make ``fn(ctx, payload) -> str | None`` callable as RPC ``name`` (looked up in lowercase).

        Example: ``server.register_rpc("echo", lambda ctx, payload: payload)``
        The function runs on the server's thread; keep it quick.
        """
        key = name.lower()
        self._rpcs[key] = fn
        if self.hub is not None:
            self.call(self.hub.rpcs.__setitem__, key, fn)

    def load_modules(self, path: str) -> list[str]:
        """Load server code: each ``*.py`` at ``path`` (a directory or one file) and its ``init_module``.

        ``init_module(ctx, logger, nk, initializer)`` registers RPCs, hooks and match handlers (see
        docs/runtime.md); files are read afresh on every call. Returns the module names; raises
        ``ModuleLoadError``. Example: ``server.load_modules("my_game/")`` Any thread, before or after start.
        """
        from ._runtime_loader import load_modules
        return load_modules(self, path)

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 15.0, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on the server's thread and return its result.

        Example: ``server.call(lambda: len(server.hub.sessions))``
        """
        loop = self._loop
        if loop is None or self._thread is None:
            raise UsageError("dev server is not running")
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def notify(self, user_id: str, subject: str, content: dict[str, Any] | None = None, code: int = 1,
               sender_id: str | None = None, persistent: bool = True) -> dict[str, Any]:
        """Send a notification to a user (stored if persistent, pushed to their open sockets).

        Example: ``server.notify(user_id, "reward", {"coins": 10}, code=1)``
        Any thread (including server code running on the server's own thread).
        """
        assert self.hub is not None, "dev server is not running"
        hub = self.hub
        return self.call(lambda: hub.notify(user_id, subject, content or {}, code, sender_id, persistent))

    def create_leaderboard(self, id: str, sort_order: str = "desc", operator: str = "best",
                           reset_schedule: str | None = None, metadata: dict[str, Any] | None = None,
                           authoritative: bool = False, enable_ranks: bool = False) -> None:
        """Declare a leaderboard (a no-op when it exists), before or after ``start()``.

        ``operator``: best, set, incr or decr; ``reset_schedule``: a 5-field UTC cron (simplified).
        ``enable_ranks``: as in Nakama, records carry a rank (and listings a ``rank_count``) only when
        it is True; otherwise only plain listings number their rows.
        Example: ``server.create_leaderboard("weekly", sort_order="desc", operator="best", enable_ranks=True)``
        Any thread (including server code running on the server's own thread).
        """
        from ._leaderboard_defs import make_board
        self._declare_board(make_board(id, sort_order=sort_order, operator=operator,
                                       reset_schedule=reset_schedule, metadata=metadata,
                                       authoritative=authoritative, enable_ranks=enable_ranks))

    def create_tournament(self, id: str, sort_order: str = "desc", operator: str = "best",
                          reset_schedule: str | None = None, metadata: dict[str, Any] | None = None,
                          title: str = "", description: str = "", category: int = 0, start_time: int = 0,
                          end_time: int = 0, duration: int = 3600, max_size: int = 0, max_num_score: int = 0,
                          join_required: bool = False, authoritative: bool = False,
                          enable_ranks: bool = False) -> None:
        """Declare a tournament (a no-op when it exists); times are unix seconds, ``start_time`` 0 = now.

        ``enable_ranks``: as for :meth:`create_leaderboard`.

        Example: ``server.create_tournament("cup", title="Cup", duration=3600, join_required=True)``
        Any thread (including server code running on the server's own thread).
        """
        from ._leaderboard_defs import make_board
        self._declare_board(make_board(id, sort_order=sort_order, operator=operator,
                                       reset_schedule=reset_schedule, metadata=metadata,
                                       authoritative=authoritative, tournament=True, title=title,
                                       description=description, category=category, start_time=start_time,
                                       end_time=end_time, duration=duration, max_size=max_size,
                                       max_num_score=max_num_score, join_required=join_required,
                                       enable_ranks=enable_ranks))

    def _declare_board(self, board: Any) -> None:
        with self._lock:
            self._board_defs.setdefault(board.id, board)
        if self.hub is not None and self._loop is not None:
            hub = self.hub
            self.call(lambda: hub.leaderboards.add(board))  # type: ignore[attr-defined]

    # ---- network conditions (see _conditions.py) ---------------------------------------------
    def set_conditions(self, user_id: str | None = None, *, latency_ms: float | None = None,
                       jitter_ms: float | None = None, loss: float | None = None,
                       bandwidth_kbps: float | None = None, http_latency_ms: float | None = None) -> NetworkConditions:
        """Change the network conditions of every socket session, or of one user's (``user_id``).

        Fields left ``None`` keep their value; the change applies to the next frame, also on open
        sockets. ``loss`` (0..1) drops only unreliable match data; ``http_latency_ms`` is for all users.
        Returns the user's (or everyone's) new conditions and logs them. Raises ``InvalidConditions``
        (a ``ValueError``) for an out-of-range value. Any thread; before or after ``start()``.
        Example: ``server.set_conditions(latency_ms=150, jitter_ms=40, loss=0.05)``
        """
        return self._network.set(user_id, latency_ms=latency_ms, jitter_ms=jitter_ms, loss=loss,
                                 bandwidth_kbps=bandwidth_kbps, http_latency_ms=http_latency_ms)

    def clear_conditions(self, user_id: str | None = None) -> None:
        """Drop one user's conditions (back to everyone's), or with no user go back to loopback for all.

        Example: ``server.clear_conditions()``. Any thread.
        """
        self._network.clear(user_id)

    def stats(self) -> dict[str, Any]:
        """Counts of what network conditions did: frames delayed each way, unreliable match data
        dropped each way, mean delays, HTTP requests delayed, and the conditions in force.

        Example: ``server.stats()["match_data_dropped_to_clients"]``. Any thread.
        """
        hub = self.hub
        if hub is None or self._loop is None:
            return self._network.stats()
        return self._network.stats(self.call(hub.conditions.live_counts))

    # ---- streams (see _rt_stream.py) ------------------------------------------------------
    def _stream_sessions(self, session_id_or_user_id: str) -> list[Any]:
        assert self.hub is not None, "dev server is not running"
        session = self.hub.sessions.get(session_id_or_user_id)
        return [session] if session is not None else self.hub.user_sessions(session_id_or_user_id)

    def stream_join(self, session_id_or_user_id: str, mode: int, subject: str = "", subcontext: str = "",
                    label: str = "", hidden: bool = False, persistence: bool = False) -> int:
        """Join a socket (by session id) or every socket of a user (by user id) to a custom stream.

        Returns how many sockets joined anew (joining again is harmless). A visible join sends
        ``stream_presence_event`` to the stream's members. Any thread, also from inside an RPC.
        Example: ``server.stream_join(ctx.session_id, 99, label="lobby")``
        """
        key = (mode, subject, subcontext, label)

        def run() -> int:
            return sum(self.hub.streams.join(s, key, hidden, persistence)  # type: ignore[union-attr]
                       for s in self._stream_sessions(session_id_or_user_id))
        return self.call(run)

    def stream_leave(self, session_id_or_user_id: str, mode: int, subject: str = "", subcontext: str = "",
                     label: str = "") -> int:
        """Remove a socket (or every socket of a user) from a stream; returns how many left.

        Example: ``server.stream_leave(user_id, 99, label="lobby")``. Any thread.
        """
        key = (mode, subject, subcontext, label)

        def run() -> int:
            return sum(self.hub.streams.leave(s, key)  # type: ignore[union-attr]
                       for s in self._stream_sessions(session_id_or_user_id))
        return self.call(run)

    def stream_send(self, mode: int, subject: str = "", subcontext: str = "", label: str = "", *,
                    data: str, reliable: bool = True) -> int:
        """Send ``stream_data`` (a string, no sender) to every member of a stream; returns the count.

        Example: ``server.stream_send(99, label="lobby", data="ping")``. Any thread.
        """
        if not isinstance(data, str):
            raise InvalidArgumentType("stream data must be a str")
        key = (mode, subject, subcontext, label)
        return self.call(lambda: self.hub.streams.send(key, data, reliable))  # type: ignore[union-attr]

    def stream_presences(self, mode: int, subject: str = "", subcontext: str = "",
                         label: str = "") -> list[dict[str, Any]]:
        """The visible presences of a stream as wire dicts. Example: ``server.stream_presences(99, label="x")`` Any thread."""
        key = (mode, subject, subcontext, label)
        return self.call(lambda: self.hub.streams.presences(key))  # type: ignore[union-attr]

    # ---- authoritative matches (see _rt_match_auth.py) --------------------------------------
    def register_match_handler(self, name: str, handler: Any) -> None:
        """Make ``handler`` (an object with ``match_init``, ``match_loop``, ...) available as ``name``.

        Example: ``server.register_match_handler("echo_match", EchoMatch())``. Any thread.
        """
        self._match_handlers[name] = handler

    def create_match(self, name: str, params: dict[str, Any] | None = None) -> str:
        """Start an authoritative match with a registered handler; returns ``"<uuid>.<node>"``.

        Raises ``RuntimeFunctionError`` (unknown handler, bad tick rate or label, a raising ``match_init``).
        Example: ``match_id = server.create_match("echo_match", {"tick_rate": 10})``. Any thread.
        """
        assert self.hub is not None, "dev server is not running"
        hub = self.hub
        return self.call(lambda: hub.matches.authoritative.create(name, params or {}))  # type: ignore[attr-defined]

    def signal_match(self, match_id: str, data: str) -> str:
        """Call the match handler's ``match_signal`` and return its answer (``RuntimeFunctionError`` 5: no match).

        Example: ``server.signal_match(mid, "x")`` Any thread.
        """
        assert self.hub is not None, "dev server is not running"
        hub = self.hub
        return self.call(lambda: hub.matches.authoritative.signal(match_id, data))  # type: ignore[attr-defined]

    # ---- internals ------------------------------------------------------------------------
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:
            if not self._ready.is_set():
                self._start_error = exc
                self._ready.set()
            else:
                log.exception("dev server stopped on an error")
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
                self._loop = None

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        hub = Hub(self.config, server=self)
        try:
            runner = await self._listen(hub)
        except BaseException:
            hub.db.close()   # a server that failed to start keeps no database open
            raise
        self.hub = hub
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            hub.shutting_down = True
            hub.matches.authoritative.shutdown()  # type: ignore[attr-defined]
            for session in list(hub.sessions.values()):
                session.close("server shutting down", code=1001)
            await runner.shutdown()
            await runner.cleanup()
            hub.db.close()
            self.hub = None

    async def _listen(self, hub: Hub) -> web.AppRunner:
        """Install every module on ``hub`` and listen; the runner is cleaned up when that fails."""
        hub.conditions = NetworkShaper(hub, self._network)
        for name in _MODULES:
            importlib.import_module(f"{__package__}.{name}").install(hub)  # type: ignore[attr-defined]
        hub.db.migrate()
        hub.rpcs.update(self._rpcs)
        app = web.Application(client_max_size=self.config.max_request_size_bytes,
                              middlewares=[http_middleware, request_guard, _routing_errors])
        app[HUB_KEY] = hub
        from ._ws import websocket_view
        app.router.add_get("/ws", websocket_view)
        app.router.add_get("/", _root)
        hub.routes.install(app, hub)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, max_line_size=AIOHTTP_LINE_LIMIT,
                               max_field_size=AIOHTTP_LINE_LIMIT)
        await runner.setup()
        try:
            ssl_context = None
            if self.config.ssl_certificate:
                ssl_context = _ssl.create_default_context(_ssl.Purpose.CLIENT_AUTH)
                ssl_context.load_cert_chain(self.config.ssl_certificate, self.config.ssl_private_key)
            site = web.TCPSite(runner, self.config.host, self._requested_port, ssl_context=ssl_context,
                               reuse_address=True)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return runner


async def _root(request: web.Request) -> web.Response:
    return web.Response(status=200)


@web.middleware
async def _routing_errors(request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
    """Unknown paths and methods answer as grpc-gateway does: 404 ``{"code":5,"message":"Not Found"}``,
    501 ``{"code":12,"message":"Method Not Allowed"}``."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_response(ApiFailure(5, "Not Found", www_authenticate=False), request)
    except web.HTTPMethodNotAllowed:
        return error_response(ApiFailure(12, "Method Not Allowed", www_authenticate=False), request)
