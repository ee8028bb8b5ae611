"""One WebSocket connection: the handshake, the reader thread, the send path, and how it ended.

- :func:`open_websocket` does the HTTP upgrade (and TLS) through websocket-client, under a TOTAL deadline:
  a watchdog shuts the TCP socket down when it passes, so a server that answers one byte at a time cannot
  hold it longer. Errors come out typed (ApiError, HttpTimeout, TransportError).
- :class:`Connection` then owns the TCP/TLS socket itself: its reader thread (``nakama-sync-reader-N``,
  daemon, the only reader) reads whole frames out of its own buffer through a sans-I/O
  :class:`FrameDecoder` and hands each text message to ``on_text``; it answers pings, keeps the heartbeat
  (a server that sends nothing *whole* — silent, or trickling a frame — is declared dead after
  ``heartbeat_interval + heartbeat_timeout``) and calls ``on_tick`` between frames.
- :meth:`Connection.send` writes one frame under a send lock with a deadline (``send_timeout``): a server
  that stops reading makes it fail with :class:`ConnectionClosed` after at most that long (the connection
  is then over: a frame may be half sent). :meth:`Connection.end` never waits behind a stuck send.

Surface used by the Socket: ``open_websocket``, ``Connection(...)``, ``start()``, ``send()``,
``send_close()``, ``end()``, ``reason``, ``close_code``, ``by_client``, ``reader``, ``is_reader_thread()``.
Thread safety: ``send``/``end``/``send_close`` from any thread; the reader owns the receive side.
"""
from __future__ import annotations

import itertools
import logging
import os
import select
import socket as _socketlib
import ssl as _ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import websocket

from ._socket_frames import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    TOO_BIG,
    FrameDecoder,
    ProtocolError,
    client_frame,
)
from .exceptions import ApiError, ConnectionClosed, HttpTimeout, TransportError

__all__ = ["Connection", "open_websocket"]

log = logging.getLogger("nakama_sync.socket")

_HEARTBEAT = b'{"ping":{}}'
_RECV_SIZE = 256 * 1024
_reader_numbers = itertools.count(1)
#: idents of the live reader threads: a blocking wait on one of them would deadlock (see SocketFuture).
READER_IDENTS: set[int] = set()


def open_websocket(url: str, sslopt: dict[str, Any], timeout: float, shown_url: str,
                   register: Callable[[Callable[[], None] | None], None]) -> websocket.WebSocket:
    """Open the WebSocket at ``url`` within ``timeout`` seconds IN TOTAL (connect, TLS, upgrade).

    ``register(abort)`` is called with a function that aborts the handshake at once (close() uses it),
    then with ``None`` when done. Raises ApiError (upgrade refused), HttpTimeout, TransportError, or
    ConnectionClosed (aborted). Any thread; blocks at most ``timeout`` (plus the OS's DNS lookup).
    """
    ws = websocket.WebSocket(sslopt=sslopt, skip_utf8_validation=True, enable_multithread=False)
    ws.settimeout(timeout)
    why: list[str] = []

    def abort(reason: str = "aborted") -> None:
        if not why:
            why.append(reason)
        sock = ws.sock
        if sock is not None:
            try:
                sock.shutdown(_socketlib.SHUT_RDWR)
            except OSError:
                pass

    done = threading.Event()
    end = time.monotonic() + timeout

    def watch() -> None:   # the total deadline, and an abort asked before the TCP socket existed
        while not done.wait(0.02):
            if not why and time.monotonic() >= end:
                abort("timeout")
            elif why and ws.sock is not None:
                abort(why[0])
                return

    watchdog = threading.Thread(target=watch, name="nakama-sync-connect-watchdog", daemon=True)
    register(abort)
    watchdog.start()
    try:
        try:
            ws.connect(url)
        finally:
            done.set()
        if why:
            raise OSError("handshake aborted")
        return ws
    except websocket.WebSocketBadStatusException as exc:
        if why:
            raise _aborted(why, shown_url, timeout) from exc
        body = exc.resp_body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        message = text.strip() or f"WebSocket upgrade refused with HTTP {exc.status_code}"
        raise ApiError(exc.status_code, None, message, text) from exc
    except _ssl.SSLCertVerificationError as exc:
        raise TransportError(f"cannot open the socket to {shown_url}: the server's TLS certificate does not "
                             f"verify ({exc.verify_message}); give the client verify='ca-bundle.pem' to "
                             "trust a private CA") from exc
    except (websocket.WebSocketTimeoutException, TimeoutError) as exc:
        if why and why[0] != "timeout":
            raise ConnectionClosed("closed by the client while connecting") from exc
        raise HttpTimeout(f"no WebSocket upgrade from {shown_url} within {timeout} s") from exc
    except (websocket.WebSocketException, OSError, ValueError) as exc:
        _close_quietly(ws)
        if why:
            raise _aborted(why, shown_url, timeout) from exc
        raise TransportError(f"cannot open the socket to {shown_url}: {exc}") from exc
    finally:
        register(None)
        watchdog.join(1.0)


def _aborted(why: list[str], shown_url: str, timeout: float) -> Exception:
    if why[0] == "timeout":
        return HttpTimeout(f"no WebSocket upgrade from {shown_url} within {timeout} s (total deadline)")
    return ConnectionClosed("closed by the client while connecting")


def _close_quietly(ws: websocket.WebSocket) -> None:
    sock = ws.sock
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass


class Connection:
    """One open connection (see the module docstring). Made by the Socket after :func:`open_websocket`.

    Callbacks (all on the reader thread): ``on_text(payload)`` per text message; ``on_problem(message,
    raw)`` for what the server sent that cannot be read (a binary or oversized message); ``on_tick(now)``
    between frames (about 4x a second); ``on_end(connection)`` once, when the reader ends.
    """

    __slots__ = ("_decoder", "_ending", "_keys", "_last_ping", "_send_lock", "_sock", "_ws", "by_client", "close_code",
                 "heartbeat_interval", "heartbeat_timeout", "idle_limit", "last_recv", "on_end", "on_problem",
                 "on_text", "on_tick", "reader", "reason", "send_timeout", "user_id", "username")

    def __init__(self, ws: websocket.WebSocket, *, user_id: str, username: str, max_receive_size: int | None,
                 send_timeout: float, heartbeat_interval: float | None, heartbeat_timeout: float,
                 idle_limit: float, on_text: Callable[[bytes], None], on_problem: Callable[[str, bytes], None],
                 on_tick: Callable[[float], None], on_end: Callable[[Connection], None]) -> None:
        self._ws = ws   # kept only to hold the handshake's objects; never read from again
        self._sock: Any = ws.sock
        assert self._sock is not None
        self._sock.settimeout(send_timeout)   # bounds each send; the reader only reads what poll() saw
        self._decoder = FrameDecoder(max_receive_size)
        self._send_lock = threading.Lock()
        self._keys = bytearray()
        self._last_ping = 0.0
        self._ending = threading.Lock()
        self.send_timeout = send_timeout
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.idle_limit = idle_limit
        self.on_text = on_text
        self.on_problem = on_problem
        self.on_tick = on_tick
        self.on_end = on_end
        self.user_id = user_id
        self.username = username
        self.reason: str | None = None   # set once, when the connection ends
        self.close_code: int | None = None
        self.by_client = False
        self.last_recv = time.monotonic()
        self.reader: threading.Thread | None = None

    # ---- lifecycle --------------------------------------------------------------------------------
    def start(self, first: Callable[[], None] | None = None) -> None:
        """Start the reader thread; ``first()`` runs on it before anything is read. Any thread, once."""
        reader = threading.Thread(target=self._reader_main, args=(first,),
                                  name=f"nakama-sync-reader-{next(_reader_numbers)}", daemon=True)
        self.reader = reader
        reader.start()

    def end(self, reason: str, by_client: bool = False) -> bool:
        """Mark the connection over (once: True the first time) and wake the reader. Any thread, never blocks."""
        with self._ending:
            if self.reason is not None:
                return False
            self.reason = reason
            self.by_client = by_client
        try:
            self._sock.shutdown(_socketlib.SHUT_RDWR)
        except OSError:
            pass
        return True

    def send_close(self, code: int = 1000) -> None:
        """Send a close frame if the send path is free now (never waits behind a stuck send). Any thread."""
        if self._send_lock.acquire(timeout=0.05):
            try:
                self._sock.settimeout(min(self.send_timeout, 0.5))
                self._sock.sendall(client_frame(struct.pack("!H", code), self._key(), CLOSE))
            except (OSError, ValueError) as exc:
                log.debug("sending the close frame failed: %s", exc)
            finally:
                self._send_lock.release()

    # ---- sending ------------------------------------------------------------------------------------
    def send(self, payload: bytes, opcode: int = TEXT) -> None:
        """Send one frame. Blocks at most ``send_timeout`` (waiting for the send lock included); then the
        connection is declared lost and ConnectionClosed raised. Any thread."""
        lock = self._send_lock
        if not lock.acquire(True, self.send_timeout):
            self.end(f"a send waited over {self.send_timeout} s: the server stopped reading")
            raise ConnectionClosed(self.reason or "connection lost")
        try:
            if self.reason is not None:
                raise ConnectionClosed(self.reason)
            keys = self._keys
            if len(keys) < 4:
                keys = self._keys = bytearray(os.urandom(4096))
            key = bytes(keys[-4:])
            del keys[-4:]
            self._sock.sendall(client_frame(payload, key, opcode))
        except TimeoutError as exc:
            self.end(f"a send took over {self.send_timeout} s: the server stopped reading")
            raise ConnectionClosed(self.reason or "connection lost") from exc
        except (OSError, ValueError) as exc:
            self.end(f"connection lost while sending: {exc}")
            raise ConnectionClosed(self.reason or "connection lost") from exc
        finally:
            lock.release()

    def _key(self) -> bytes:
        return os.urandom(4)

    def is_reader_thread(self) -> bool:
        """True on this connection's reader thread. Any thread."""
        reader = self.reader
        return reader is not None and reader.ident == threading.get_ident()

    # ---- the reader thread --------------------------------------------------------------------------
    def _reader_main(self, first: Callable[[], None] | None) -> None:
        ident = threading.get_ident()
        READER_IDENTS.add(ident)
        reason = "connection closed"
        try:
            if first is not None:
                first()
            reason = self._read_loop()
        except BaseException as exc:  # the reader must never vanish silently
            log.exception("socket reader failed")
            reason = f"reader failed: {exc!r}"
        finally:
            READER_IDENTS.discard(ident)
            self.end(reason)
            try:
                self._sock.close()
            except OSError:  # pragma: no cover - best effort
                pass
            log.info("socket connection ended: %s", self.reason)
            self.on_end(self)

    def _read_loop(self) -> str:
        sock = self._sock
        recv = sock.recv
        feed = self._decoder.feed
        on_text = self.on_text
        interval = self.heartbeat_interval
        tick = min(0.25, max(0.01, interval / 4)) if interval else 0.25
        tick_ms = int(tick * 1000)
        ssl_pending = getattr(sock, "pending", None)
        poller: Any = None
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLPRI)
        monotonic = time.monotonic
        next_tick = monotonic() + tick
        while self.reason is None:
            if ssl_pending is None or not ssl_pending():
                if poller is not None:
                    ready = poller.poll(tick_ms)
                else:  # pragma: no cover - Windows
                    ready = select.select([sock], [], [], tick)[0]
                if not ready:
                    now = monotonic()
                    if now >= next_tick:
                        next_tick = now + tick
                        dead = self._tick(now)
                        if dead:
                            return dead
                    continue
            try:
                data = recv(_RECV_SIZE)
            except (TimeoutError, _ssl.SSLWantReadError):
                continue
            except (OSError, ValueError) as exc:
                return self.reason or f"connection lost: {exc}"
            if not data:
                return self.reason or "connection lost: the server closed the TCP connection"
            try:
                messages = feed(data)
            except ProtocolError as exc:
                return f"connection lost: {exc}"
            data = b""   # not kept while the reader waits (up to 256 KiB)
            now = monotonic()
            if messages:
                self.last_recv = now
                for opcode, payload in messages:
                    if opcode == TEXT:
                        on_text(payload)
                    else:
                        ended = self._other(opcode, payload)
                        if ended:
                            return ended
                messages = []   # nor the last batch's payloads
                payload = b""
            if now >= next_tick:
                next_tick = now + tick
                dead = self._tick(now)
                if dead:
                    return dead
        return self.reason or "connection closed"

    def _other(self, opcode: int, payload: bytes) -> str | None:
        """A message that is not text. Returns a reason when the connection is over."""
        if opcode == PING:
            try:
                self.send(payload, PONG)
            except ConnectionClosed as exc:
                return str(exc)
        elif opcode == CLOSE:
            return self._close_reason(payload)
        elif opcode == BINARY:
            self.on_problem("unexpected binary frame", payload)
        elif opcode == TOO_BIG:
            self.on_problem(f"message of {payload.decode()} bytes or more refused: over max_receive_size "
                            f"({self._decoder.max_size} bytes)", b"")
        return None

    def _close_reason(self, data: bytes) -> str:
        if len(data) >= 2:
            self.close_code = struct.unpack("!H", data[:2])[0]
            text = data[2:].decode("utf-8", "replace")
            self.send_close(self.close_code if self.close_code in (1000, 1001) else 1000)
            return f"closed by the server ({self.close_code}{': ' + text if text else ''})"
        self.send_close(1000)
        return "closed by the server"

    def _tick(self, now: float) -> str | None:
        """Heartbeat and the socket's timeouts, between frames. Returns a reason when the link is dead."""
        interval = self.heartbeat_interval
        idle = now - self.last_recv
        if interval:
            if idle >= interval + self.heartbeat_timeout:
                waiting = self._decoder.buffered()
                return (f"heartbeat timeout: no whole message from the server for {idle:.1f} s "
                        f"(interval {interval} s, timeout {self.heartbeat_timeout} s"
                        f"{f'; {waiting} bytes of an unfinished frame' if waiting else ''})")
            if idle >= interval and now - self._last_ping >= interval:
                self._last_ping = now
                try:
                    self.send(_HEARTBEAT)
                except ConnectionClosed as exc:
                    return f"connection lost while sending the heartbeat: {exc}"
        elif idle >= self.idle_limit:
            return f"no data from the server for {self.idle_limit} s"
        self.on_tick(now)
        return None

