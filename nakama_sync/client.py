"""The HTTP client. The API methods live in the ``_client_*.py`` mixins; this file holds the plumbing."""
from __future__ import annotations

import base64
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ._client_account import _AccountApi, _SessionReply
from ._client_chat import _ChatApi
from ._client_leaderboard import _LeaderboardApi
from ._client_misc import _MiscApi
from ._client_party import _PartyApi
from ._client_pump import HttpFuture, _Pump, _WorkerPool, on_worker_thread
from ._client_social import _SocialApi
from ._client_storage import _StorageApi
from ._events import SessionSignal
from ._transport import DEFAULT_RETRIES, DEFAULT_TIMEOUT, RetryConfig, Transport
from .exceptions import InvalidArgument, InvalidArgumentType, SessionError
from .session import Session
from .socket import Socket

__all__ = ["DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "Client", "HttpFuture", "RetryConfig"]

R = TypeVar("R")

log = logging.getLogger("nakama_sync.client")


class Client(_AccountApi, _SocialApi, _StorageApi, _LeaderboardApi, _ChatApi, _MiscApi, _PartyApi):
    """Nakama's HTTP API over one keep-alive connection pool.

    **Blocking and non-blocking.** Every API method (``get_account``...) blocks the calling thread until
    the reply is in. Each also has a non-blocking form, ``<name>_nowait`` (``get_account_nowait``...),
    that returns an :class:`HttpFuture` at once and runs the request on the client's worker threads (at
    most ``max_workers``); its callbacks run in :meth:`poll`, which a game calls once per frame: it also
    polls every socket made by :meth:`create_socket`.

    **Time bounds.** ``timeout`` (default 10 s) is a deadline for each whole attempt: connect, send and
    the reply's last byte. Transient failures of idempotent calls (GET, PUT, DELETE, session refresh)
    are retried as ``retries`` says (:class:`RetryConfig`, default 4 attempts with 0.5/1/2 s back-off
    at most), so a call ends within ``max_call_time()``: **43.5 s** with the defaults, 10 s for a POST
    that is not retried; an automatic session refresh before it may add as much again.
    ``verify`` is True (check TLS certificates), False, or the path of a CA bundle.

    **Session refresh.** With ``auto_refresh_session`` a session about to expire (see
    :meth:`Session.refresh_margin`) is refreshed in place before it is used; the client then sends the
    signal ``session_refreshed`` (``handler(client, session=session)``; handlers are held strongly, a
    lambda works) and calls ``on_session_refreshed(session)`` if given: on the thread that made a
    blocking call, and inside :meth:`poll` when the refresh happened on a worker thread (``*_nowait``) or
    on the reconnect thread of a socket with ``use_main_thread=True``.

    Example::

        with nakama_sync.Client("defaultkey", "127.0.0.1", 7350) as client:
            session = client.authenticate_device("device-id-123")
            client.get_account_nowait(session).add_done_callback(lambda f: print(f.result().user.username))
            while running:
                client.poll()     # callbacks and socket events run here, on the game's thread

    Thread safety: every method may be called from any thread, also at the same time (one
    ``requests.Session`` is shared); refreshes of one Session are serialised. :meth:`poll` runs on one
    thread at a time.
    """

    def __init__(self, server_key: str = "defaultkey", host: str = "127.0.0.1", port: int = 7350,
                 ssl: bool = False, timeout: float = DEFAULT_TIMEOUT, auto_refresh_session: bool = True, *,
                 verify: bool | str = True, retries: RetryConfig | None = None,
                 on_session_refreshed: Callable[[Session], None] | None = None, max_workers: int = 4) -> None:
        """Make a client; nothing is sent until a method is called. Any thread.

        Example: ``client = Client(server_key="defaultkey", host="127.0.0.1", port=7350)``
        """
        _check_str("server_key", server_key)
        _check_str("host", host)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise _bad("port", port, "an int in 1..65535",
                       InvalidArgumentType if not isinstance(port, int) else InvalidArgument)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise InvalidArgument(f"timeout must be a positive number of seconds, not {timeout!r}")
        if retries is not None and not isinstance(retries, RetryConfig):
            raise InvalidArgumentType(f"retries must be a RetryConfig or None, not {type(retries).__name__}")
        if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
            raise InvalidArgument(f"max_workers must be an int >= 1, not {max_workers!r}")
        self.server_key = server_key
        self.host = host
        self.port = port
        self.ssl = bool(ssl)
        self.timeout = float(timeout)
        self.verify = verify
        self.auto_refresh_session = auto_refresh_session
        self.retries = retries if retries is not None else DEFAULT_RETRIES
        self.on_session_refreshed = on_session_refreshed
        #: Signal sent after an automatic refresh: ``handler(client, session=session)`` (held strongly).
        self.session_refreshed = SessionSignal("Client.session_refreshed")
        scheme = "https" if self.ssl else "http"
        host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self._transport = Transport(f"{scheme}://{host_part}:{self.port}", self.timeout, verify, self.retries)
        self._pump = _Pump()
        self._workers = _WorkerPool(max_workers)
        self._socket_refs: tuple[weakref.ref[Socket], ...] = ()   # replaced whole, read without a lock
        self._sockets_lock = threading.Lock()

    def max_call_time(self, retried: bool = True) -> float:
        """The longest one API call can take in seconds, retries and back-off included (without a session
        refresh before it): ``retries.max_total_time(timeout)`` for retried calls, ``timeout`` for others.

        Example: ``Client().max_call_time()`` -> 43.5; ``Client(timeout=2).max_call_time(False)`` -> 2.0.
        Any thread.
        """
        return self.retries.max_total_time(self.timeout) if retried else self.timeout

    # ---- the frame-loop pump ----------------------------------------------------------------
    def poll(self, timeout: float | None = 0.0, max_events: int | None = None) -> int:
        """Run, on the calling thread, the callbacks of finished ``*_nowait`` calls and the pending
        ``session_refreshed`` notifications, then ``poll()`` every open socket made by
        :meth:`create_socket` with ``use_main_thread=True``. Returns how many callbacks and events ran.

        ``timeout=0`` (the default) never blocks; a positive timeout waits up to that long while nothing
        is ready (sockets are looked at every 10 ms meanwhile); ``None`` waits until something runs.
        ``max_events`` caps the callbacks run per call (socket events are capped per socket).
        A raising callback propagates; the ones after it stay queued for the next call.
        Example: ``while running: client.poll(); draw()``.
        Thread: the game's thread (one at a time); never from inside a callback it runs
        (:class:`ReentrantPollError`).
        """
        ran = self._poll_once(max_events)
        if ran or (timeout is not None and timeout <= 0):
            return ran
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = 0.01 if deadline is None else min(0.01, deadline - time.monotonic())
            if wait <= 0:
                return 0
            self._pump.wait(wait)
            ran = self._poll_once(max_events)
            if ran:
                return ran

    def _poll_once(self, max_events: int | None) -> int:
        ran = self._pump.run(max_events)
        for ref in self._socket_refs:
            sock = ref()
            if sock is not None and sock.use_main_thread:
                ran += sock.poll(0.0, max_events)
        return ran

    def _forget_socket(self, ref: weakref.ref[Socket]) -> None:
        with self._sockets_lock:
            self._socket_refs = tuple(r for r in self._socket_refs if r is not ref)

    def _submit(self, name: str, fn: Callable[[], R]) -> HttpFuture[R]:
        future: HttpFuture[R] = HttpFuture(self._pump, name)
        self._workers.submit(future, fn)
        return future

    # ---- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool and the worker threads; later calls raise TransportError. Calls under
        way end with TransportError, and so do ``*_nowait`` calls still waiting for a worker (their
        callbacks still run in :meth:`poll`). Returns within about 2 s. Calling it twice is fine.

        Example: ``client.close()``. Any thread (not from a done-callback's worker).
        """
        self._transport.close()
        self._workers.close(1.0)

    def __enter__(self) -> Client:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the server key
        scheme = "https" if self.ssl else "http"
        return f"Client({scheme}://{self.host}:{self.port})"

    def create_socket(self, use_main_thread: bool = True, **options: Any) -> Socket:
        """A realtime Socket for this client's server (not connected yet).

        Example: ``socket = client.create_socket(); socket.connect(session)``. Any thread.
        """
        sock = Socket(self, use_main_thread=use_main_thread, **options)
        with self._sockets_lock:
            self._socket_refs = (*self._socket_refs, weakref.ref(sock, self._forget_socket))
        return sock

    # ---- the contract of the mixins (see _client_base) ------------------------------------
    def _call(self, method: str, path: str, session: Session | None = None, *,
              query: Mapping[str, Any] | None = None, body: Any = None, basic_auth: bool = False,
              retry: bool | None = None) -> Any:
        """Send one API request and return its parsed JSON reply (see _client_base for the contract)."""
        authorization: str | None = None
        if basic_auth:
            authorization = self._basic(self.server_key)
        elif session is not None:
            if self.auto_refresh_session:
                self._ensure_fresh(session)
            authorization = "Bearer " + session.token
        return self._transport.request(method, path, query=query, body=body, authorization=authorization,
                                       retry=retry)

    @staticmethod
    def _basic(key: str) -> str:
        return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")

    def _ensure_fresh(self, session: Session, deliver: Callable[[Callable[[], None]], None] | None = None) -> None:
        """Refresh ``session`` in place when it is about to expire (auto_refresh_session).

        The notification runs through ``deliver(notify)`` when given (a socket's reconnect thread hands it
        to the socket's poll()), in :meth:`poll` on a worker thread, else on this thread.
        """
        if not session.needs_refresh():
            return
        with session.refresh_lock:
            if not session.needs_refresh():   # another thread refreshed it meanwhile
                return
            if session.is_refresh_expired():
                if not session.is_expired():
                    return   # still usable for a moment; it cannot be renewed
                raise SessionError("the session has expired and its refresh token has expired too: "
                                   "authenticate again")
            self._refresh_in_place(session, None)
        if deliver is not None:
            deliver(lambda: self._notify_refreshed(session))
        elif on_worker_thread():
            self._pump.put(lambda: self._notify_refreshed(session))
        else:
            self._notify_refreshed(session)

    def _notify_refreshed(self, session: Session) -> None:
        self.session_refreshed.send(self, session=session)
        if self.on_session_refreshed is not None:
            self.on_session_refreshed(session)

    def _refresh_in_place(self, session: Session, vars: Mapping[str, str] | None) -> None:
        """POST /v2/account/session/refresh and put the new tokens into ``session``."""
        if not session.refresh_token:
            raise SessionError("the session has no refresh token: authenticate again")
        if session.is_refresh_expired():
            raise SessionError("the refresh token has expired: authenticate again")
        body: dict[str, Any] = {"token": session.refresh_token}
        if vars is not None:
            body["vars"] = dict(vars)
        reply = self._call("POST", "/v2/account/session/refresh", basic_auth=True, body=body, retry=True)
        tokens = _SessionReply.from_wire(reply)
        session._update(tokens.token, tokens.refresh_token)
        log.debug("session of user %s refreshed", session.user_id)


def _bad(name: str, value: object, expected: str, kind: type[Exception] = InvalidArgumentType) -> Exception:
    return kind(f"{name} must be {expected}, not {type(value).__name__} {value!r:.60}")


def _check_str(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise _bad(name, value, "a str")
