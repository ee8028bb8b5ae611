"""The Socket's reader thread: the only caller of ``recv``; decodes each frame once; keeps the link alive.

One :class:`_Connection` per ``connect()``: the WebSocket, the requests waiting for a reply (by cid),
and why it ended. The reader loop waits for the socket to be readable with a short tick, so between
frames it can send the heartbeat ``ping``, notice a silent server, and fail requests whose timeout
passed. Replies resolve their future right here; pushed events go to ``self._deliver``.
"""
from __future__ import annotations

import logging
import select
import socket as _socketlib
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import websocket

from . import _events
from ._future import SocketFuture
from ._wire import loads
from .exceptions import RequestTimeout
from .models.realtime import SocketConnected, SocketErrorEvent

__all__ = ["_Connection", "_ReaderLoop", "_limit_frames"]

log = logging.getLogger("nakama_sync.socket")

_OP_TEXT = websocket.ABNF.OPCODE_TEXT
_OP_BINARY = websocket.ABNF.OPCODE_BINARY
_OP_CLOSE = websocket.ABNF.OPCODE_CLOSE
_HEARTBEAT_FRAME = b'{"ping":{}}'
_RAW_LIMIT = 200  # characters of a malformed frame kept in SocketErrorEvent.raw


class _BufferedSock:
    """Wraps the TCP/TLS socket under websocket-client so its small reads (2 bytes, 2 bytes, n bytes per
    frame) are served from one 256 KiB ``recv``: fewer system calls, and fewer GIL hand-offs between the
    reader and a game thread that polls in a busy loop. Everything else is delegated to the socket."""

    def __init__(self, sock: Any, size: int = 256 * 1024) -> None:
        self._sock = sock
        self._size = size
        self._buf = b""
        self._pos = 0

    def recv(self, n: int) -> bytes:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            buf = self._sock.recv(self._size)
            if not buf:
                return buf
            pos = 0
        end = pos + n
        self._buf, self._pos = buf, end
        return buf[pos:end]

    def buffered(self) -> bool:
        """True when bytes already read wait in the buffer (so the socket may look idle)."""
        return self._pos < len(self._buf)

    def __getattr__(self, name: str) -> Any:  # send, settimeout, fileno, shutdown, close, pending, ...
        return getattr(self._sock, name)


class _Connection:
    """State of one connection. ``lock`` guards ``pending`` and ``reason``."""

    __slots__ = (
        "buffer",
        "by_client",
        "close_code",
        "last_ping",
        "last_recv",
        "lock",
        "pending",
        "reader",
        "reason",
        "sock",
        "user_id",
        "username",
        "ws",
    )

    def __init__(self, ws: websocket.WebSocket, user_id: str, username: str) -> None:
        self.ws = ws
        self.sock = ws.sock  # the real socket: for poll() and shutdown()
        self.buffer = _BufferedSock(ws.sock)
        ws.sock = self.buffer  # type: ignore[assignment]
        self.pending: dict[str, SocketFuture[Any]] = {}
        self.lock = threading.Lock()
        self.reason: str | None = None   # set once, when the connection ends
        self.close_code: int | None = None
        self.by_client = False
        self.reader: threading.Thread | None = None
        self.last_recv = time.monotonic()
        self.last_ping = 0.0
        self.user_id = user_id
        self.username = username

    def wake_reader(self) -> None:
        """Shut the TCP socket down so a reader blocked in poll/recv returns at once."""
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(_socketlib.SHUT_RDWR)
            except OSError:
                pass


class _ReaderLoop:
    """Mixin of Socket: the reader thread's body. Needs the attributes Socket.__init__ sets."""

    heartbeat_interval: float | None
    heartbeat_timeout: float
    _deliver: Callable[[Any, Any], None]
    connected: Any        # signals, declared by Socket
    received_error: Any

    # provided by Socket / _Dispatcher
    def _connection_lost(self, conn: _Connection, reason: str, by_client: bool = False) -> bool:
        raise NotImplementedError

    def _wake_pollers(self) -> None:
        raise NotImplementedError

    def _event_table(self) -> dict[str, tuple[Any, Callable[[Any], Any]]]:
        """envelope key -> (this socket's Signal, parser), from the registry in _events. The events that
        end reconnect-tracked state (a matched ticket, a closed party) also tell the tracker."""
        table = {key: (getattr(self, name), parser) for key, (name, parser) in _events.EVENTS.items()}
        tracker = getattr(self, "_tracker", None)
        if tracker is not None:
            for key in ("matchmaker_matched", "party_close"):
                if key in table:
                    signal, parser = table[key]
                    table[key] = (signal, _tracked_parser(key, parser, tracker))
        return table

    def _reader_main(self, conn: _Connection, announce: bool = True) -> None:
        reason = "connection closed"
        try:
            if announce and not getattr(self, "_use_main_thread", True):
                self._deliver(self.connected, _connected_event(conn))
            reason = self._read_loop(conn)
        except BaseException as exc:  # the reader must never vanish silently
            log.exception("socket reader failed")
            reason = f"reader failed: {exc!r}"
        finally:
            self._connection_lost(conn, reason)
            try:
                conn.ws.shutdown()
            except OSError as exc:  # pragma: no cover - best effort
                log.debug("socket shutdown failed: %s", exc)
            log.info("socket connection ended: %s", conn.reason)
            self._after_connection(conn)  # type: ignore[attr-defined]  # reconnect, or fire ``closed``
            self._wake_pollers()

    def _read_loop(self, conn: _Connection) -> str:
        ws = conn.ws
        sock = conn.sock
        recv = ws.recv_data
        table = self._event_table()
        deliver = self._deliver
        error_signal = self.received_error
        interval = self.heartbeat_interval
        tick = min(0.25, max(0.01, interval / 4)) if interval else 0.25
        tick_ms = int(tick * 1000)
        buffered = conn.buffer.buffered
        ssl_pending = getattr(sock, "pending", None)
        poller: Any = None
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLPRI)
        monotonic = time.monotonic
        next_tick = monotonic() + tick
        while conn.reason is None:
            if not buffered() and not (ssl_pending is not None and ssl_pending()):
                if poller is not None:
                    ready = poller.poll(tick_ms)
                else:  # pragma: no cover - Windows
                    ready = select.select([sock], [], [], tick)[0]  # type: ignore[type-var]
                if not ready:
                    now = monotonic()
                    if now >= next_tick:
                        next_tick = now + tick
                        dead = self._tick(conn, now)
                        if dead:
                            return dead
                    continue
            if conn.reason is not None:
                break
            try:
                opcode, data = recv(control_frame=True)
            except _FrameTooBig as big:
                conn.last_recv = monotonic()
                deliver(error_signal, SocketErrorEvent(
                    code=-1, kind="malformed_frame", raw=None,
                    message=f"frame of {big.size} bytes skipped: over max_receive_size ({big.limit} bytes)"))
                continue
            except websocket.WebSocketTimeoutException:
                return f"no data from the server for {ws.gettimeout()} s"
            except (websocket.WebSocketException, OSError, ValueError) as exc:
                if conn.reason is not None:
                    break
                return f"connection lost: {exc}"
            now = monotonic()
            conn.last_recv = now
            if opcode == _OP_TEXT:
                self._on_frame(conn, data, table, deliver, error_signal)
            elif opcode == _OP_CLOSE:
                return self._server_close_reason(conn, data)
            elif opcode == _OP_BINARY:
                deliver(error_signal, SocketErrorEvent(code=-1, message="unexpected binary frame",
                                                       kind="malformed_frame", raw=repr(data[:_RAW_LIMIT])))
            if now >= next_tick:
                next_tick = now + tick
                dead = self._tick(conn, now)
                if dead:
                    return dead
        return conn.reason or "connection closed"

    def _on_frame(self, conn: _Connection, data: bytes, table: dict[str, tuple[Any, Callable[[Any], Any]]],
                  deliver: Callable[[Any, Any], None], error_signal: Any) -> None:
        """Decode one text frame once: resolve a reply or deliver an event. Never raises."""
        try:
            envelope = loads(data)
        except ValueError as exc:
            deliver(error_signal, _malformed(f"invalid JSON: {exc}", data))
            return
        if type(envelope) is not dict:
            deliver(error_signal, _malformed("frame is not a JSON object", data))
            return
        cid = envelope.get("cid")
        if not cid and len(envelope) - ("cid" in envelope) > 1:  # a push carries exactly one message
            deliver(error_signal, _malformed("envelope carries more than one message", data))
            return
        if cid:
            with conn.lock:
                future = conn.pending.pop(cid, None) if type(cid) is str else None
            if future is None:
                log.debug("reply for unknown or expired request cid=%r", cid)
                return
            future._resolve_reply(envelope)
            return
        for key, payload in envelope.items():
            if key == "cid":
                continue
            entry = table.get(key)
            if entry is None:
                if key != "pong":  # "pong" answers the heartbeat
                    log.debug("ignoring pushed envelope with unknown key %r", key)
                return
            signal, parser = entry
            try:
                event = parser(payload)
            except Exception as exc:  # noqa: BLE001 - any parser failure means a malformed frame
                deliver(error_signal, _malformed(f"cannot read {key}: {exc!r}", data))
                return
            if type(event) is list:
                for item in event:
                    deliver(signal, item)
            else:
                deliver(signal, event)
            return
        # "{}": the ack of a request sent without a cid; nothing waits for it.

    def _tick(self, conn: _Connection, now: float) -> str | None:
        """Heartbeat and timeouts, between frames. Returns a reason when the connection is dead."""
        interval = self.heartbeat_interval
        if interval:
            idle = now - conn.last_recv
            if idle >= interval + self.heartbeat_timeout:
                return (f"heartbeat timeout: nothing received from the server for {idle:.1f} s "
                        f"(interval {interval} s, timeout {self.heartbeat_timeout} s)")
            if idle >= interval and now - conn.last_ping >= interval:
                conn.last_ping = now
                try:
                    conn.ws.send(_HEARTBEAT_FRAME, _OP_TEXT)
                except (websocket.WebSocketException, OSError) as exc:
                    return f"connection lost while sending the heartbeat: {exc}"
        if conn.pending:
            with conn.lock:
                expired = [cid for cid, fut in conn.pending.items() if fut.done() or fut._expired(now)]
                futures = [conn.pending.pop(cid) for cid in expired]
            for fut in futures:
                fut._set(None, RequestTimeout(f"no reply to {fut._request} within the request timeout"))
        return None

    @staticmethod
    def _server_close_reason(conn: _Connection, data: Any) -> str:
        data = bytes(data or b"")
        if len(data) >= 2:
            conn.close_code = struct.unpack("!H", data[:2])[0]
            text = data[2:].decode("utf-8", "replace")
            return f"closed by the server ({conn.close_code}{': ' + text if text else ''})"
        return "closed by the server"


class _FrameTooBig(Exception):
    """A frame from the server was over the socket's max_receive_size; its payload was skipped."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes over the limit of {limit}")
        self.size = size
        self.limit = limit


def _limit_frames(ws: websocket.WebSocket, limit: int) -> None:
    """Make ``ws`` skip (without keeping it in memory) any frame whose payload is over ``limit`` bytes:
    its receive then raises :class:`_FrameTooBig` and the stream stays in step for the next frame."""
    frames = ws.frame_buffer
    read_length = frames.recv_length

    def checked_length() -> None:
        read_length()
        size = frames.length
        if size is None or size <= limit:
            return
        remaining = size + (4 if frames.has_mask() else 0)
        while remaining > 0:
            chunk = frames.recv(min(remaining, 65536))
            if not chunk:
                raise websocket.WebSocketConnectionClosedException("connection closed inside a frame")
            remaining -= len(chunk)
        frames.clear()
        raise _FrameTooBig(size, limit)

    frames.recv_length = checked_length  # type: ignore[method-assign]


def _tracked_parser(key: str, parser: Callable[[Any], Any], tracker: Any) -> Callable[[Any], Any]:
    def parse(payload: Any) -> Any:
        event = parser(payload)
        tracker.on_event(key, event)
        return event
    return parse


def _malformed(message: str, data: Any) -> SocketErrorEvent:
    if isinstance(data, (bytes, bytearray)):
        raw = bytes(data[:_RAW_LIMIT]).decode("utf-8", "replace")
    else:
        raw = str(data)[:_RAW_LIMIT]
    log.warning("malformed frame from the server: %s", message)
    return SocketErrorEvent(code=-1, message=message, kind="malformed_frame", raw=raw)


def _connected_event(conn: _Connection) -> SocketConnected:
    return SocketConnected(user_id=conn.user_id, username=conn.username)
