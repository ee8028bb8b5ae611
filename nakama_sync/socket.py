"""The realtime socket: one WebSocket, one background reader thread, events pumped by ``poll()``.

How it works (see also STYLE.md):

- ``connect()`` opens ``ws[s]://host:port/ws?lang=en&status=…&token=…&format=json`` and starts ONE
  daemon thread, ``nakama-sync-reader-N``, the only caller of ``recv``. It decodes each frame once into a
  model. A reply (it has its request's ``cid``) completes that request's :class:`SocketFuture` right
  there; a pushed event is queued, in arrival order.
- ``poll()`` runs the queued events' handlers on the game's thread (blinker signals, called as
  ``handler(socket, event=<model>)``). With ``use_main_thread=False`` they run on the reader thread
  as they arrive instead, and ``poll()`` is not needed.
- Any thread may send (websocket-client locks each frame, so frames never interleave).

Request methods, one uniform style: ``create_match(name=None) -> Match`` blocks until the reply
(raising :class:`SocketError` on an error reply, :class:`RequestTimeout` after ``request_timeout``,
:class:`ConnectionClosed` if the connection ends), and its twin ``create_match_nowait(name=None) ->
SocketFuture[Match]`` returns at once. The blocking form is exactly ``self.x_nowait(...).result()``.
Futures are completed by the reader thread, so a blocking call inside a handler during ``poll()``
works. ``send_match_state`` is fire-and-forget (the server never replies to it).

Internal contract for the request mixins (``_socket_realtime.py``, ``_socket_party.py``)::

    self._request(key: str, body: dict, parse: Callable[[dict | None], T] | None, reply_key: str | None)
        -> SocketFuture[T]
        Sends {"cid": <new>, key: body}. The future gets parse(envelope[reply_key]) (parse(None) for an
        empty ack {"cid": ...} or when reply_key is None; with parse=None the raw payload itself), or
        SocketError for an "error" envelope, ConnectionClosed when the connection ends (or is not
        open), RequestTimeout after the socket's request_timeout. A parse() that raises fails the
        future with SocketError(code 1, "malformed reply ..."). Raises ValueError at once if the frame
        is bigger than the server accepts (max_message_size).
    self._send(key: str, body: dict) -> None
        Fire-and-forget {key: body}. Raises ConnectionClosed when not connected, ValueError when too big.
    nakama_sync._events.register_event(envelope_key, signal_name, parser)
        Routes pushed envelopes to a signal (see _events.py); call it at import time.
"""
from __future__ import annotations

import itertools
import logging
import socket as _socketlib
import ssl as _ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import blinker
import websocket

from ._future import SocketFuture
from ._reconnect import ReconnectPolicy
from ._socket_dispatch import _Dispatcher
from ._socket_party import _PartyRequests
from ._socket_reader import _Connection, _limit_frames, _ReaderLoop
from ._socket_realtime import _RealtimeRequests
from ._socket_reconnect import _ReconnectMixin
from .exceptions import ApiError, ConnectionClosed, HttpTimeout, NakamaError, SessionError, TransportError
from .models.realtime import SocketConnected

try:  # optional acceleration, as in _wire
    from orjson import dumps as _dumps_bytes
except ImportError:  # pragma: no cover - depends on the environment
    import json as _json

    def _dumps_bytes(obj: Any) -> bytes:  # type: ignore[misc]
        return _json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

if TYPE_CHECKING:
    from .client import Client
    from .session import Session

__all__ = ["ReconnectPolicy", "Socket", "SocketFuture"]

T = TypeVar("T")
log = logging.getLogger("nakama_sync.socket")

_OP_TEXT = websocket.ABNF.OPCODE_TEXT
_reader_numbers = itertools.count(1)


class Socket(_RealtimeRequests, _PartyRequests, _Dispatcher, _ReaderLoop, _ReconnectMixin):
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
    for no check); ``max_receive_size`` (16 MiB; a bigger frame from the server is skipped and reported
    on ``received_error``, kind ``"malformed_frame"``; ``None``: no limit).

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

    Signals (blinker, strong references by default, see :class:`StrongSignal`): ``connected``,
    ``closed`` (once per ``connect()``: when the game closes the socket, or the connection ends and is
    not reconnected; a :class:`SocketClosed`), ``reconnecting``, ``reconnected``, ``received_error``, and one per
    pushed event: ``received_match_state``, ``received_match_presence``, ``received_channel_message``,
    ``received_channel_presence``, ``received_notification`` (once per notification),
    ``received_status_presence``, ``received_stream_state``, ``received_stream_presence``,
    ``received_matchmaker_matched`` and the ``received_party*`` signals.

    Thread safety: request methods, ``close()`` and ``is_connected`` from any thread; ``poll()``,
    ``next_event()`` on one thread at a time (the game's). ``connect()`` from any thread, once at a time.
    """

    connected: blinker.Signal
    closed: blinker.Signal
    reconnecting: blinker.Signal
    reconnected: blinker.Signal
    received_error: blinker.Signal
    received_channel_message: blinker.Signal
    received_channel_presence: blinker.Signal
    received_matchmaker_matched: blinker.Signal
    received_match_state: blinker.Signal
    received_match_presence: blinker.Signal
    received_notification: blinker.Signal
    received_party: blinker.Signal
    received_party_close: blinker.Signal
    received_party_data: blinker.Signal
    received_party_join_request: blinker.Signal
    received_party_leader: blinker.Signal
    received_party_matchmaker_ticket: blinker.Signal
    received_party_presence: blinker.Signal
    received_status_presence: blinker.Signal
    received_stream_presence: blinker.Signal
    received_stream_state: blinker.Signal

    def __init__(self, client: Client, use_main_thread: bool = True, *, request_timeout: float = 10.0,
                 heartbeat_interval: float | None = 10.0, heartbeat_timeout: float = 10.0, lang: str = "en",
                 max_message_size: int | None = 4096, reconnect: ReconnectPolicy | bool = True,
                 send_buffer: int = 0, max_queued_events: int | None = 100_000, queue_full: str = "drop_oldest",
                 max_receive_size: int | None = 16 * 1024 * 1024) -> None:
        """Prefer ``client.create_socket(...)``. Example: ``Socket(client, use_main_thread=False)``. Any thread."""
        if request_timeout <= 0:
            raise ValueError("request_timeout must be > 0")
        if heartbeat_interval is not None and heartbeat_interval <= 0:
            raise ValueError("heartbeat_interval must be > 0 or None")
        if heartbeat_timeout <= 0:
            raise ValueError("heartbeat_timeout must be > 0")
        if max_receive_size is not None and max_receive_size < 1024:
            raise ValueError("max_receive_size must be >= 1024 bytes or None")
        self.client = client
        self.request_timeout = float(request_timeout)
        self.heartbeat_interval = float(heartbeat_interval) if heartbeat_interval else None
        self.heartbeat_timeout = float(heartbeat_timeout)
        self.lang = lang
        self.max_message_size = max_message_size
        self.max_receive_size = max_receive_size
        self._state_lock = threading.Lock()
        self._conn: _Connection | None = None
        self._connecting = False
        self._opening: websocket.WebSocket | None = None   # a handshake in progress (close() aborts it)
        self._closing = threading.Event()                  # set by close(); cleared by connect()
        self._session: Session | None = None
        self._appear_online = True
        self._cids = itertools.count(1)
        self._init_dispatch(use_main_thread, max_queued_events, queue_full)
        self._init_reconnect(reconnect, send_buffer)

    def __repr__(self) -> str:
        return f"<Socket {'connected' if self.is_connected else 'closed'} to {self._base_url()}>"

    # ---- lifecycle ----------------------------------------------------------------------------
    @property
    def use_main_thread(self) -> bool:
        """True when handlers run in ``poll()``; False when they run on the reader thread."""
        return self._use_main_thread

    @property
    def is_connected(self) -> bool:
        """True while the connection is open (a property). Example: ``if socket.is_connected: ...``. Any thread."""
        conn = self._conn
        return conn is not None and conn.reason is None

    def connect(self, session: Session, appear_online: bool = True, connect_timeout: float = 30.0) -> None:
        """Open the connection with ``session``'s token and start the reader thread.

        ``appear_online=True`` shows the user online to followers (wire param ``status``).
        Raises :class:`SessionError` if the session has expired (refresh it first), :class:`ApiError`
        when the server refuses the upgrade (401 "Missing or invalid token"), :class:`TransportError`
        when it cannot be reached (refused, TLS failure; :class:`HttpTimeout` after ``connect_timeout``),
        :class:`ConnectionClosed` when ``close()`` was called meanwhile, :class:`NakamaError` if already
        connected (or reconnecting). ``connected`` fires once it is open. The socket keeps ``session``
        to reconnect (and refreshes it in place through the client when it has expired).
        Example: ``socket.connect(session, appear_online=False)``. Any thread.
        """
        token = getattr(session, "token", None)
        if not isinstance(token, str) or not token:
            raise SessionError("the session has no token")
        is_expired = getattr(session, "is_expired", None)
        if callable(is_expired) and is_expired():
            raise SessionError("the session has expired: refresh it (client.session_refresh) before connecting")
        with self._state_lock:
            if self._connecting or self.is_connected or self._reconnector is not None:
                raise NakamaError("the socket is already connected (or connecting); close() it first")
            self._connecting = True
            self._closing.clear()
        try:
            self._tracker.reset(appear_online)
            self._establish(session, appear_online, connect_timeout, True)
        finally:
            with self._state_lock:
                self._connecting = False
        log.info("socket connected to %s", self._base_url())

    def _establish(self, session: Session, appear_online: bool, timeout: float, announce: bool) -> _Connection:
        """Open a connection and start its reader (connect() and the reconnect thread)."""
        ws = self._open(session.token, appear_online, timeout)
        conn = _Connection(ws, getattr(session, "user_id", "") or "", getattr(session, "username", "") or "")
        if self.max_receive_size is not None:
            _limit_frames(ws, self.max_receive_size)
        io_timeout = (self.heartbeat_interval + self.heartbeat_timeout if self.heartbeat_interval
                      else max(30.0, self.request_timeout))
        ws.settimeout(io_timeout)
        with self._state_lock:
            if self._closing.is_set():
                _abort(ws)
                ws.shutdown()
                raise ConnectionClosed("closed by the client while connecting")
            self._conn = conn
            self._session = session
            self._appear_online = appear_online
            if announce:
                self._final_sent = False
        if announce and self._use_main_thread:   # queued before any event of the reader
            self._deliver(self.connected, SocketConnected(user_id=conn.user_id, username=conn.username))
        reader = threading.Thread(target=self._reader_main, args=(conn, announce),
                                  name=f"nakama-sync-reader-{next(_reader_numbers)}", daemon=True)
        reader.start()
        conn.reader = reader   # a close() before this line does not join it; the reader ends at once
        return conn

    def close(self, timeout: float = 5.0) -> None:
        """Close the socket: waiting requests fail with ConnectionClosed, ``closed`` fires once.

        Safe to call twice, from any thread, from inside a handler, or when never connected. It also
        stops a reconnection at once (during its wait, or its attempt) and makes a ``connect()`` in
        progress on another thread fail. It sends a close frame, wakes the reader and waits up to
        ``timeout`` for the socket's threads to end (not for the thread calling it). With
        ``use_main_thread=True`` the ``closed`` event is then queued for the next ``poll()``.
        Example: ``socket.close()``. Any thread.
        """
        self._closing.set()
        with self._state_lock:
            conn, opening, rec = self._conn, self._opening, self._reconnect_thread
        if opening is not None:
            _abort(opening)
        if conn is not None:
            if self._connection_lost(conn, "closed by the client", by_client=True):
                try:
                    conn.ws.send_close(websocket.STATUS_NORMAL)
                except (websocket.WebSocketException, OSError) as exc:  # the connection may already be gone
                    log.debug("sending the close frame failed: %s", exc)
            conn.wake_reader()
        me = threading.current_thread()
        deadline = time.monotonic() + timeout
        for thread in (conn.reader if conn is not None else None, rec):
            if thread is not None and thread is not me:
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    log.warning("socket thread %s did not stop within %s s", thread.name, timeout)

    def __enter__(self) -> Socket:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the request contract (see the module docstring) ---------------------------------------------
    def _request(self, key: str, body: dict[str, Any], parse: Callable[[Any], T] | None = None,
                 reply_key: str | None = None) -> SocketFuture[T]:
        conn = self._conn
        reader = conn.reader if conn is not None else None
        parse = self._tracker.wrap(key, body, parse)
        future: SocketFuture[T] = SocketFuture(key, self.request_timeout, self._schedule_callback,
                                               reader.ident if reader is not None else None, parse, reply_key)
        if conn is None:
            future._set(None, ConnectionClosed("the socket is reconnecting" if self._reconnector is not None
                                               else "the socket is not connected"))
            return future
        cid = str(next(self._cids))
        frame = self._encode({"cid": cid, key: body})
        with conn.lock:
            reason = conn.reason
            if reason is None:
                conn.pending[cid] = future
        if reason is not None:
            future._set(None, ConnectionClosed(reason))
            return future
        try:
            conn.ws.send(frame, _OP_TEXT)
        except (websocket.WebSocketException, OSError) as exc:
            self._send_failed(conn, exc)
            future._set(None, ConnectionClosed(conn.reason or "connection lost"))
        return future

    def _send(self, key: str, body: dict[str, Any]) -> None:
        conn = self._conn
        if self._reconnector is not None and self._buffer_send(self._encode({key: body})):
            return
        if conn is None or conn.reason is not None:
            raise ConnectionClosed(conn.reason if conn is not None and conn.reason else "the socket is not connected")
        frame = self._encode({key: body})
        try:
            conn.ws.send(frame, _OP_TEXT)
        except (websocket.WebSocketException, OSError) as exc:
            self._send_failed(conn, exc)
            raise ConnectionClosed(conn.reason or "connection lost") from exc

    def _encode(self, envelope: dict[str, Any]) -> bytes:
        frame = _dumps_bytes(envelope)
        limit = self.max_message_size
        if limit is not None and len(frame) > limit:
            key = next(k for k in envelope if k != "cid")
            raise ValueError(f"{key} message is {len(frame)} bytes; the server accepts at most {limit} "
                             "(it would close the socket)")
        return frame

    def _send_failed(self, conn: _Connection, exc: BaseException) -> None:
        log.warning("socket send failed: %s", exc)
        self._connection_lost(conn, f"connection lost while sending: {exc}")
        conn.wake_reader()

    def _connection_lost(self, conn: _Connection, reason: str, by_client: bool = False) -> bool:
        """Mark ``conn`` ended (once) and fail its waiting requests at once. Any thread."""
        with conn.lock:
            if conn.reason is not None:
                return False
            conn.reason = reason
            conn.by_client = by_client
            pending, conn.pending = conn.pending, {}
        with self._state_lock:
            if self._conn is conn:
                self._conn = None
        for future in pending.values():
            future._set(None, ConnectionClosed(reason))
        self._wake_pollers()
        return True

    # ---- connecting ---------------------------------------------------------------------------
    def _base_url(self) -> str:
        client = self.client
        scheme = "wss" if getattr(client, "ssl", False) else "ws"
        host = str(getattr(client, "host", "127.0.0.1"))
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{scheme}://{host}:{getattr(client, 'port', 7350)}/ws"

    def _open(self, token: str, appear_online: bool, connect_timeout: float) -> websocket.WebSocket:
        base = self._base_url()
        query = f"?lang={quote(self.lang)}&status={'true' if appear_online else 'false'}&format=json"
        url = f"{base}{query}&token={quote(token, safe='')}"
        log.debug("socket connecting to %s&token=<redacted>", base + query)
        sslopt: dict[str, Any] = {}
        if base.startswith("wss"):
            verify = getattr(self.client, "verify", True)
            if verify is False:
                sslopt = {"cert_reqs": _ssl.CERT_NONE, "check_hostname": False}
            elif isinstance(verify, str):
                sslopt = {"ca_certs": verify}
        ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True, enable_multithread=True)
        ws.settimeout(connect_timeout)
        with self._state_lock:
            if self._closing.is_set():
                raise ConnectionClosed("closed by the client while connecting")
            self._opening = ws
        try:
            ws.connect(url)
            return ws
        except websocket.WebSocketBadStatusException as exc:
            body = exc.resp_body
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
            message = text.strip() or f"WebSocket upgrade refused with HTTP {exc.status_code}"
            raise ApiError(exc.status_code, None, message, text) from exc
        except (websocket.WebSocketTimeoutException, TimeoutError) as exc:
            if self._closing.is_set():
                raise ConnectionClosed("closed by the client while connecting") from exc
            raise HttpTimeout(f"no WebSocket upgrade from {base} within {connect_timeout} s") from exc
        except _ssl.SSLCertVerificationError as exc:
            raise TransportError(f"cannot open the socket to {base}: the server's TLS certificate does not "
                                 f"verify ({exc.verify_message}); give the client verify='ca-bundle.pem' to "
                                 "trust a private CA") from exc
        except (websocket.WebSocketException, OSError) as exc:
            if self._closing.is_set():
                raise ConnectionClosed("closed by the client while connecting") from exc
            raise TransportError(f"cannot open the socket to {base}: {exc}") from exc
        finally:
            with self._state_lock:
                if self._opening is ws:
                    self._opening = None


def _abort(ws: websocket.WebSocket) -> None:
    """Shut a WebSocket's TCP socket down at once (a handshake in progress on another thread then fails)."""
    sock = ws.sock
    if sock is not None:
        try:
            sock.shutdown(_socketlib.SHUT_RDWR)
        except OSError:
            pass
