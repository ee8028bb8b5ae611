"""The realtime socket: a thin front over parts that each own their state.

- :class:`~nakama_sync._socket_conn.Connection` (``_socket_conn``): the WebSocket, its reader thread
  (frames decoded by the sans-I/O ``_socket_frames.FrameDecoder``), the send path with its deadline;
- :class:`~nakama_sync._socket_requests.RequestTable`: cid → the future waiting for its reply;
  :class:`~nakama_sync._socket_requests.Outbox`: request → frame → connection;
- :class:`~nakama_sync._socket_inbox.Inbox`: a text message → a resolved reply or a delivered event;
- :class:`~nakama_sync._socket_pump.EventPump`: the event queue, ``poll()``, ``next_event()``;
- :class:`~nakama_sync._socket_reconnect.Reconnector`: the state machine that gets a drop back;
- ``_socket_codec``: envelope → model, request → frame; ``_events.SIGNALS``: the signal table.

The request methods (``_socket_realtime``, ``_socket_party``) check their arguments, then hand
``(key, body, reply model, reply key)`` to the Outbox. Requests block in their plain form
(``create_match``) and return a :class:`SocketFuture` in their ``*_nowait`` form; the reader thread
resolves futures, so a blocking call inside a ``poll()`` handler works.
"""
from __future__ import annotations

import logging
import ssl as _ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import quote

from ._events import SIGNAL_NAMES, SocketEvent, SocketSignals, StrongSignal
from ._future import SocketFuture
from ._reconnect import ReconnectPolicy, _RestoreResult, _Tracker
from ._reconnect import _restore as _restore_snapshot
from ._socket_conn import Connection, open_websocket
from ._socket_inbox import Inbox
from ._socket_party import _PartyRequests
from ._socket_pump import EventPump
from ._socket_realtime import _RealtimeRequests
from ._socket_reconnect import Reconnector, refresh_session
from ._socket_requests import Outbox, RequestTable
from .exceptions import AlreadyConnected, ConnectionClosed, InvalidArgument, InvalidArgumentType, SessionError
from .models.realtime import SocketClosed, SocketConnected

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .client import Client
    from .session import Session

__all__ = ["ReconnectPolicy", "Socket", "SocketFuture", "StrongSignal"]

log = logging.getLogger("nakama_sync.socket")

_F = TypeVar("_F", bound=Callable[..., Any])

_GOODBYE = 1000
#: Close reasons with code 1000 that are not goodbyes: Nakama kicks a consumer that falls behind, and
#: uses 1000 for read timeouts too. After these the socket reconnects.
_KICKS = ("queue full", "timeout", "timed out", "error reading", "read deadline")


class Socket(SocketSignals, _RealtimeRequests, _PartyRequests):
    """A realtime connection to Nakama. Make one with ``client.create_socket()``.

    Example::

        socket = client.create_socket()
        socket.received_match_state.connect(on_state)   # handler(sender, event)
        socket.connect(session)
        match = socket.create_match()
        while running:
            socket.poll()                               # handlers run here
        socket.close()

    Options (keywords, also through ``client.create_socket(**options)``):
    ``request_timeout`` (10 s) for replies; ``heartbeat_interval`` (10 s; ``None`` turns it off): after
    that long without any frame the socket sends a ``ping``; ``heartbeat_timeout`` (10 s): if still
    nothing arrives that much later the connection is declared dead and ``closed`` fires;
    ``lang`` ("en"); ``max_message_size`` (4096 bytes, Nakama's limit for what the client sends; ``None``
    for no check); ``max_receive_size`` (16 MiB; a bigger message from the server, fragments counted
    together, is refused whole and reported on ``received_error``, kind ``"malformed_frame"``; ``None``: no
    limit); ``max_frame_objects`` (100 000: a frame that may hold more JSON objects/arrays is refused
    before decoding, so one frame cannot cost hundreds of MB); ``send_timeout`` (2 s: the longest a send
    may block when the server stops reading; then the connection counts as lost and the call raises
    :class:`ConnectionClosed`).

    Reconnection (see README "Surviving the network"): ``reconnect`` (a :class:`ReconnectPolicy`, on by
    default; ``False`` turns it off). When the connection drops, ``reconnecting`` fires before each
    attempt (:class:`SocketReconnecting`), then ``reconnected`` (:class:`SocketReconnected`: the matches
    and channels joined again, and what was lost), or ``closed`` once it gives up. Meanwhile requests
    and sends raise :class:`ConnectionClosed` at once, unless ``send_buffer=N`` (0 by default): then up to
    N fire-and-forget sends (``send_match_state``) are kept and sent after the restore.
    Bounded memory: ``max_queued_events`` (100 000; ``None``: no limit) caps the events waiting for
    ``poll()``; ``queue_full`` says what happens when a game stops polling: ``"drop_oldest"`` (default:
    the oldest event is dropped, ``dropped_events`` counts them, and ``received_error`` gets one event of
    kind ``"queue_overflow"`` per overflow episode) or ``"close"`` (the socket closes, reason says why).

    Signals (blinker, strong references by default; each a :class:`StrongSignal` generic in its event type,
    declared in ``_events.SocketSignals``, so mypy checks a handler's ``event`` type): ``connected``,
    ``closed`` (once per ``connect()``: when the game closes the socket, or the connection ends and is
    not reconnected; a :class:`SocketClosed`), ``reconnecting``, ``reconnected``, ``received_error``, and one per
    pushed event: ``received_match_state``, ``received_match_presence``, ``received_channel_message``,
    ``received_channel_presence``, ``received_notification`` (once per notification),
    ``received_status_presence``, ``received_stream_state``, ``received_stream_presence``,
    ``received_matchmaker_matched`` and the ``received_party*`` signals.

    Thread safety: request methods, ``close()`` and ``is_connected`` from any thread; ``poll()``,
    ``next_event()`` on one thread at a time (the game's). ``connect()`` from any thread, once at a time.
    """


    def __init__(self, client: Client, use_main_thread: bool = True, *, request_timeout: float = 10.0,
                 heartbeat_interval: float | None = 10.0, heartbeat_timeout: float = 10.0, lang: str = "en",
                 max_message_size: int | None = 4096, reconnect: ReconnectPolicy | bool = True,
                 send_buffer: int = 0, max_queued_events: int | None = 100_000, queue_full: str = "drop_oldest",
                 max_receive_size: int | None = 16 * 1024 * 1024, send_timeout: float = 2.0,
                 max_frame_objects: int = 100_000) -> None:
        """Prefer ``client.create_socket(...)``. Example: ``Socket(client, use_main_thread=False)``. Any thread."""
        if request_timeout <= 0:
            raise InvalidArgument("request_timeout must be > 0")
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise InvalidArgument("heartbeat_interval must be > 0 or None")
        if heartbeat_timeout <= 0:
            raise InvalidArgument("heartbeat_timeout must be > 0")
        if max_receive_size is not None and max_receive_size < 1024:
            raise InvalidArgument("max_receive_size must be >= 1024 bytes or None")
        if send_timeout <= 0:
            raise InvalidArgument("send_timeout must be > 0")
        if max_frame_objects < 1:
            raise InvalidArgument("max_frame_objects must be >= 1")
        policy: ReconnectPolicy | None
        if reconnect is True:
            policy = ReconnectPolicy()
        elif reconnect is False or reconnect is None:
            policy = None
        elif isinstance(reconnect, ReconnectPolicy):
            policy = reconnect
        else:
            raise InvalidArgumentType("reconnect must be a ReconnectPolicy, True or False")
        if send_buffer < 0:
            raise InvalidArgument("send_buffer must be >= 0")
        self.client = client
        self.request_timeout = float(request_timeout)
        self.heartbeat_interval = float(heartbeat_interval) if heartbeat_interval else None
        self.heartbeat_timeout = float(heartbeat_timeout)
        self.send_timeout = float(send_timeout)
        self.lang = lang
        self.max_message_size = max_message_size
        self.max_receive_size = max_receive_size
        self.max_frame_objects = int(max_frame_objects)
        self.reconnect_policy = policy
        self.send_buffer = int(send_buffer)
        self._signals: dict[str, StrongSignal[Any]] = {}
        for name in SIGNAL_NAMES:
            signal: StrongSignal[Any] = StrongSignal(f"Socket.{name}")
            self._signals[name] = signal
            setattr(self, name, signal)
        self._pump = EventPump(self, self._signals["received_error"], use_main_thread=use_main_thread,
                               max_queued_events=max_queued_events, queue_full=queue_full, on_full=self._queue_full)
        self._pump.finish()
        # The game calls poll() once per frame, often on an empty queue: bind the pump's method directly,
        # so that call costs no extra layer (Socket.poll below documents it; the behaviour is the same).
        self.poll = self._pump.poll  # type: ignore[method-assign]
        self.next_event = self._pump.next_event  # type: ignore[method-assign]
        self._tracker = _Tracker()
        self._reconnector = Reconnector(policy, self.send_buffer, _ReconnectHost(self)) if policy is not None else None
        self._state_lock = threading.Lock()
        self._live: tuple[Connection, RequestTable] | None = None
        self._connecting = False
        self._closing = threading.Event()      # set by close(); cleared by connect()
        self._abort_opening: Callable[[], None] | None = None
        self._session: Session | None = None
        self._appear_online = True
        self._final_sent = True
        super().__init__(Outbox(self._live_link, self._pump.schedule, self._buffer_send, self._tracker.wrap,
                                self._not_open, self.request_timeout, max_message_size))

    def __repr__(self) -> str:
        return f"<Socket {'connected' if self.is_connected else 'closed'} to {self._base_url()}>"

    # ---- lifecycle ----------------------------------------------------------------------------
    @property
    def use_main_thread(self) -> bool:
        """True when handlers run in ``poll()``; False when they run on the reader thread."""
        return self._pump.use_main_thread

    @property
    def is_connected(self) -> bool:
        """True while the connection is open (a property). Example: ``if socket.is_connected: ...``. Any thread."""
        live = self._live
        return live is not None and live[0].reason is None

    @property
    def is_reconnecting(self) -> bool:
        """True while the socket is getting a dropped connection back (a property).

        Example: ``if socket.is_reconnecting: draw_spinner()``. Any thread.
        """
        rec = self._reconnector
        return rec is not None and rec.active

    def connect(self, session: Session, appear_online: bool = True, connect_timeout: float = 30.0) -> None:
        """Open the connection with ``session``'s token and start the reader thread.

        ``appear_online=True`` shows the user online to followers (wire param ``status``).
        ``connect_timeout`` is a total deadline for the TCP connect, TLS and the upgrade.
        Raises :class:`SessionError` if the session has expired (refresh it first), :class:`ApiError`
        when the server refuses the upgrade (401 "Missing or invalid token"), :class:`TransportError`
        when it cannot be reached (refused, TLS failure; :class:`HttpTimeout` after ``connect_timeout``),
        :class:`ConnectionClosed` when ``close()`` was called meanwhile, :class:`AlreadyConnected` (a
        ``RuntimeError``) if already connected, connecting or reconnecting. ``connected`` fires once it is open. The socket keeps ``session``
        to reconnect (and refreshes it in place through the client when it has expired).
        Example: ``socket.connect(session, appear_online=False)``. Any thread.
        """
        token = getattr(session, "token", None)
        if not isinstance(token, str) or not token:
            raise SessionError("the session has no token")
        if not isinstance(connect_timeout, (int, float)) or isinstance(connect_timeout, bool) or connect_timeout <= 0:
            raise InvalidArgument("connect_timeout must be a positive number of seconds")
        is_expired = getattr(session, "is_expired", None)
        if callable(is_expired) and is_expired():
            raise SessionError("the session has expired: refresh it (client.session_refresh) before connecting")
        with self._state_lock:
            if self._connecting or self.is_connected or self.is_reconnecting:
                raise AlreadyConnected("the socket is already connected (or connecting, or reconnecting): "
                                       "close() it first")
            self._connecting = True
            self._closing.clear()
            self._session = session
            self._appear_online = appear_online
        try:
            self._tracker.reset(appear_online)
            if self._reconnector is not None:
                self._reconnector.reset()
            self._pump.reopen()
            self._establish(float(connect_timeout), announce=True)
        except BaseException:
            self._pump.finish()
            raise
        finally:
            with self._state_lock:
                self._connecting = False
        log.info("socket connected to %s", self._base_url())

    def close(self, timeout: float = 5.0) -> None:
        """Close the socket: waiting requests fail with ConnectionClosed, ``closed`` fires once.

        Safe to call twice, from any thread, from inside a handler, or when never connected. It also
        stops a reconnection at once (during its wait, or its attempt) and makes a ``connect()`` in
        progress on another thread fail. It sends a close frame if the send path is free (never waiting
        behind a stuck send), wakes the reader and waits up to ``timeout`` in total for the socket's
        threads (reader and every reconnect thread) to end (not for the thread calling it). With
        ``use_main_thread=True`` the ``closed`` event is then queued for the next ``poll()``.
        Example: ``socket.close()``. Any thread.
        """
        deadline = time.monotonic() + timeout
        self._closing.set()
        rec = self._reconnector
        if rec is not None:
            rec.stop()
        with self._state_lock:
            live, abort = self._live, self._abort_opening
        if abort is not None:
            abort()
        if live is not None:
            conn, table = live
            if conn.reason is None:
                conn.send_close(1000)
            self._lost(conn, table, "closed by the client", by_client=True)
        me = threading.current_thread()
        reader = live[0].reader if live is not None else None
        if reader is not None and reader is not me:
            reader.join(max(0.0, deadline - time.monotonic()))
        left = rec.join(deadline) if rec is not None else []
        if reader is not None and reader.is_alive() and reader is not me:
            left.append(reader)
        for thread in left:
            log.warning("socket thread %s did not stop within %s s", thread.name, timeout)
        if live is None and (rec is None or not rec.active):
            self._finish(SocketClosed(reason="closed by the client", by_client=True))

    def __enter__(self) -> Socket:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the pump (EventPump) -------------------------------------------------------------------
    def poll(self, timeout: float | None = 0.0, max_events: int | None = None) -> int:
        """Run the handlers of the events received so far, in order, on the calling thread.

        ``timeout=0`` (the default) never blocks; a positive timeout waits up to that long for the first
        event when none is queued; ``None`` waits until one arrives, or returns at once when the socket
        is closed for good and nothing is queued. At most ``max_events`` are run (default: those queued
        when the call started). Returns how many it ran (events and future callbacks). If a handler
        raises, the exception propagates from poll() and the remaining events stay queued for the next
        call, unless ``socket.on_handler_error = fn`` is set: then ``fn(exception, event)`` is called and
        poll() goes on. An empty non-blocking poll() gives up the GIL for a moment about every 0.2 ms
        of spinning, so the reader thread is not starved.
        Example: ``while running: socket.poll(); draw()``.
        Thread: one thread at a time (the game's): a second thread is refused at once, and so is a call
        from inside a handler, with :class:`ReentrantPollError`.
        """
        return self._pump.poll(timeout, max_events)

    def next_event(self, timeout: float | None = 0.0) -> SocketEvent | None:
        """Pull style: return the next event model (or ``None`` if none came within ``timeout``).

        The event is returned *instead of* being sent to the signals. Future callbacks queued before it
        are run first. ``timeout`` works as in :meth:`poll` (``None`` returns at once on a closed socket
        with nothing queued).
        Example: ``while (event := socket.next_event()) is not None: if isinstance(event, MatchData): ...``
        Thread: the game's thread, not inside a handler. Needs ``use_main_thread=True`` (else it raises
        :class:`UsageError`, a ``RuntimeError``).
        """
        event: SocketEvent | None = self._pump.next_event(timeout)
        return event

    def __iter__(self) -> Iterator[SocketEvent]:
        """Iterate over the events queued now, without blocking: ``for event in socket: ...``.

        Same rules as :meth:`next_event` (events are not sent to the signals). Thread: the game's thread.
        """
        while True:
            event = self._pump.next_event()
            if event is None:
                return
            yield event

    @overload
    def on(self, signal_name: str, handler: None = None) -> Callable[[_F], _F]: ...
    @overload
    def on(self, signal_name: str, handler: _F) -> _F: ...
    def on(self, signal_name: str, handler: _F | None = None) -> _F | Callable[[_F], _F]:
        """Connect ``handler(sender, event)`` to the signal named ``signal_name`` (strongly); returns it.

        Also a decorator: ``@socket.on("received_match_state")``. Example:
        ``socket.on("received_notification", lambda sender, event: print(event.subject))``.
        Thread: as for ``Signal.connect`` (before connecting, or on the thread that runs handlers).
        """
        signal = self._signals.get(signal_name)
        if signal is None:
            raise InvalidArgument(f"unknown socket signal {signal_name!r}; one of {', '.join(SIGNAL_NAMES)}")
        if handler is None:
            def decorate(fn: _F) -> _F:
                signal.connect(fn, weak=False)
                return fn
            return decorate
        signal.connect(handler, weak=False)
        return handler

    @property
    def on_handler_error(self) -> Callable[[BaseException, Any], Any] | None:
        """``fn(exception, event)`` called when a handler raises in ``poll()`` (None: the exception
        propagates). Example: ``socket.on_handler_error = lambda exc, event: log(exc)``. Game thread."""
        return self._pump.on_handler_error

    @on_handler_error.setter
    def on_handler_error(self, hook: Callable[[BaseException, Any], Any] | None) -> None:
        self._pump.on_handler_error = hook

    @property
    def dropped_events(self) -> int:
        """How many events were dropped because the queue was full (``queue_full="drop_oldest"``).

        Example: ``if socket.dropped_events: log("the game polled too slowly")``. Any thread.
        """
        return self._pump.dropped

    @property
    def pending_events(self) -> int:
        """How many events and callbacks wait for the next poll(). Example: ``if socket.pending_events:``"""
        return len(self._pump)

    @property
    def max_queued_events(self) -> int | None:
        """The bound of the event queue (``None``: none). Any thread."""
        return self._pump.max_queued_events

    @property
    def queue_full(self) -> str:
        """The policy when the queue is full: ``"drop_oldest"`` or ``"close"``. Any thread."""
        return self._pump.queue_full

    # ---- the connection's life ------------------------------------------------------------------
    def _live_link(self) -> tuple[Connection, RequestTable] | None:
        return self._live

    def _not_open(self) -> str:
        return "the socket is reconnecting" if self.is_reconnecting else "the socket is not connected"

    def _buffer_send(self, frame: bytes) -> bool:
        rec = self._reconnector
        return rec is not None and rec.buffer(frame)

    def _base_url(self) -> str:
        client = self.client
        scheme = "wss" if getattr(client, "ssl", False) else "ws"
        host = str(getattr(client, "host", "127.0.0.1"))
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{scheme}://{host}:{getattr(client, 'port', 7350)}/ws"

    def _register_opening(self, abort: Callable[[], None] | None) -> None:
        with self._state_lock:
            if abort is not None and self._closing.is_set():
                abort()
            self._abort_opening = abort

    def _establish(self, timeout: float, announce: bool) -> Connection:
        """Open a connection and start its reader (connect() and the reconnector)."""
        session = self._session
        assert session is not None
        if self._closing.is_set():
            raise ConnectionClosed("closed by the client while connecting")
        base = self._base_url()
        query = f"?lang={quote(self.lang)}&status={'true' if self._appear_online else 'false'}&format=json"
        url = f"{base}{query}&token={quote(session.token, safe='')}"
        log.debug("socket connecting to %s&token=<redacted>", base + query)
        sslopt: dict[str, Any] = {}
        if base.startswith("wss"):
            verify = getattr(self.client, "verify", True)
            if verify is False:
                sslopt = {"cert_reqs": _ssl.CERT_NONE, "check_hostname": False}
            elif isinstance(verify, str):
                sslopt = {"ca_certs": verify}
        ws = open_websocket(url, sslopt, timeout, base, self._register_opening)
        table = RequestTable()
        inbox = Inbox(table, self._pump.deliver, self._signals, self._tracker.on_event, self.max_frame_objects)
        conn = Connection(
            ws, user_id=getattr(session, "user_id", "") or "", username=getattr(session, "username", "") or "",
            max_receive_size=self.max_receive_size, send_timeout=self.send_timeout,
            heartbeat_interval=self.heartbeat_interval, heartbeat_timeout=self.heartbeat_timeout,
            idle_limit=max(30.0, self.request_timeout), on_text=inbox.on_text, on_problem=inbox.problem,
            on_tick=table.expire, on_end=lambda c: self._after(c, table))
        with self._state_lock:
            if self._closing.is_set():
                conn.end("closed by the client while connecting", by_client=True)
                if ws.sock is not None:
                    ws.sock.close()
                raise ConnectionClosed("closed by the client while connecting")
            self._live = (conn, table)
            if announce:
                self._final_sent = False
        event = SocketConnected(user_id=conn.user_id, username=conn.username)
        if not announce:
            conn.start()
        elif self._pump.use_main_thread:   # queued before any event of the reader
            self._pump.deliver(self._signals["connected"], event)
            conn.start()
        else:
            conn.start(lambda: self._pump.deliver(self._signals["connected"], event))
        return conn

    def _lost(self, conn: Connection, table: RequestTable, reason: str, by_client: bool = False) -> None:
        """``conn`` is over: fail its requests at once, forget it. Any thread."""
        conn.end(reason, by_client)
        table.fail_all(conn.reason or reason)
        with self._state_lock:
            if self._live is not None and self._live[0] is conn:
                self._live = None
        self._pump.wake()

    def _after(self, conn: Connection, table: RequestTable) -> None:
        """A reader ended (its thread): reconnect, or fire ``closed``."""
        self._lost(conn, table, conn.reason or "connection closed")
        rec = self._reconnector
        if rec is not None and self._should_reconnect(conn):
            if rec.active or rec.begin(conn):
                return
        if rec is not None and rec.active:
            return   # the round restoring ``conn`` decides
        self._finish(SocketClosed(reason=conn.reason or "connection closed", code=conn.close_code,
                                  by_client=conn.by_client))

    def _should_reconnect(self, conn: Connection) -> bool:
        policy = self.reconnect_policy
        if policy is None or conn.by_client or self._closing.is_set() or self._session is None:
            return False
        if conn.close_code != _GOODBYE or policy.reconnect_on_server_close:
            return True
        reason = (conn.reason or "").lower()
        return any(kick in reason for kick in _KICKS)

    def _queue_full(self, reason: str) -> None:
        """The event queue overflowed with ``queue_full="close"`` (reader thread): close, no reconnect."""
        self._closing.set()
        if self._reconnector is not None:
            self._reconnector.stop()
        live = self._live
        if live is not None:
            self._lost(live[0], live[1], reason)

    def _finish(self, event: SocketClosed) -> None:
        """Fire ``closed`` once for this ``connect()``; drop what waits in the send buffer."""
        with self._state_lock:
            if self._final_sent:
                return
            self._final_sent = True
        dropped = self._reconnector.drop_buffer() if self._reconnector is not None else 0
        if dropped:
            log.warning("socket closed with %d buffered sends not sent", dropped)
        log.info("socket closed: %s", event.reason)
        self._pump.deliver(self._signals["closed"], event)
        self._pump.finish()

    # ---- what the Reconnector asks of the socket ---------------------------------------------------
    def _refresh_session(self, timeout: float) -> None:
        """Renew an expired (or nearly expired) token within ``timeout`` seconds (reconnect thread)."""
        session = self._session
        if session is not None:
            refresh_session(self.client, session, timeout, self._closing,
                            deliver=lambda notify: self._pump.schedule(lambda _none: notify(), None))

    def _establish_again(self, timeout: float) -> Connection:
        """Open a new connection for the reconnector (no ``connected`` event)."""
        return self._establish(timeout, announce=False)

    def _restore(self) -> _RestoreResult:
        """Send again what the server forgot (matches, chats, status, follows). Reconnect thread."""
        return _restore_snapshot(self, self._tracker.snapshot(), self._tracker)

    def _flush(self, conn: Connection, frames: list[bytes]) -> None:
        """Send frames kept while away, in order, on ``conn``. Reconnect thread."""
        for frame in frames:
            try:
                conn.send(frame)
            except ConnectionClosed:
                log.warning("socket dropped buffered sends: the connection ended again")
                return

    def _announce(self, signal_name: str, event: Any) -> None:
        """Deliver a reconnector event (``reconnecting`` / ``reconnected``)."""
        self._pump.deliver(self._signals[signal_name], event)


class _ReconnectHost:
    """What the Reconnector may ask of a Socket (its ``_Host`` protocol), and nothing more."""

    __slots__ = ("_socket",)

    def __init__(self, socket: Socket) -> None:
        self._socket = socket

    def refresh_session(self, timeout: float) -> None:
        self._socket._refresh_session(timeout)

    def establish(self, timeout: float) -> Connection:
        return self._socket._establish_again(timeout)

    def restore(self) -> _RestoreResult:
        return self._socket._restore()

    def flush(self, conn: Connection, frames: list[bytes]) -> None:
        self._socket._flush(conn, frames)

    def announce(self, signal_name: str, event: Any) -> None:
        self._socket._announce(signal_name, event)

    def finish(self, event: SocketClosed) -> None:
        self._socket._finish(event)
