"""The Socket's reconnect side (a mixin of Socket): what happens when a connection ends.

When a reader thread ends, it calls ``_after_connection(conn)``. Either the socket is finished (the
game closed it, reconnection is off, or the server closed it on purpose) and ``closed`` fires once, or
a thread ``nakama-sync-reconnect-N`` starts and loops: ``reconnecting`` (attempt, delay, cause), an
interruptible wait (``close()`` ends it at once), a session refresh through the Client when the token
has expired, a new connection, the restore of what the server forgot (``_reconnect._restore``), the
flush of the optional send buffer, and ``reconnected``. It gives up (``closed`` with the reason) when
the policy says so, when the refresh token has expired too, or when the server refuses the session.

Invariants (guarded by ``_state_lock``): at most one reconnect thread (``_reconnector``); while it
runs, ending readers leave the decision to it; ``closed`` fires once per ``connect()`` (``_final_sent``).
"""
from __future__ import annotations

import collections
import itertools
import logging
import random
import threading
import time
from typing import TYPE_CHECKING, Any

import websocket

from ._reconnect import ReconnectPolicy, _restore, _Snapshot, _Tracker
from .exceptions import ApiError, ConnectionClosed, NakamaError, SessionError
from .models.realtime import SocketClosed
from .models.reconnect import SocketReconnected, SocketReconnecting

if TYPE_CHECKING:
    from ._socket_reader import _Connection
    from .session import Session

__all__ = ["_ReconnectMixin"]

log = logging.getLogger("nakama_sync.socket")

_reconnect_numbers = itertools.count(1)
_OP_TEXT = websocket.ABNF.OPCODE_TEXT
_SERVER_NORMAL_CLOSE = 1000


class _ReconnectMixin:
    """Mixin of Socket. Needs the attributes Socket.__init__ sets."""

    reconnect_policy: ReconnectPolicy | None
    send_buffer: int
    client: Any
    _state_lock: threading.Lock
    _conn: _Connection | None
    _closing: threading.Event
    _tracker: _Tracker
    _session: Session | None
    _appear_online: bool
    _use_main_thread: bool

    def _init_reconnect(self, reconnect: ReconnectPolicy | bool | None, send_buffer: int) -> None:
        if reconnect is True:
            reconnect = ReconnectPolicy()
        elif reconnect is False or reconnect is None:
            reconnect = None
        elif not isinstance(reconnect, ReconnectPolicy):
            raise TypeError("reconnect must be a ReconnectPolicy, True or False")
        if send_buffer < 0:
            raise ValueError("send_buffer must be >= 0")
        self.reconnect_policy = reconnect
        self.send_buffer = int(send_buffer)
        self._reconnector: threading.Thread | None = None      # set while a reconnect is under way
        self._reconnect_thread: threading.Thread | None = None  # the last one started (close() joins it)
        self._final_sent = True
        self._buffered: collections.deque[bytes] = collections.deque()
        self._tracker = _Tracker()
        self._rng = random.Random()

    # provided by Socket / the other mixins
    def _establish(self, session: Session, appear_online: bool, timeout: float, announce: bool) -> _Connection:
        raise NotImplementedError

    def _deliver(self, signal: Any, event: Any) -> None:
        raise NotImplementedError

    def _wake_pollers(self) -> None:
        raise NotImplementedError

    def _send_failed(self, conn: _Connection, exc: BaseException) -> None:
        raise NotImplementedError

    # ---- public ---------------------------------------------------------------------------------
    @property
    def is_reconnecting(self) -> bool:
        """True while the socket is getting a dropped connection back (a property).

        Example: ``if socket.is_reconnecting: draw_spinner()``. Any thread.
        """
        return self._reconnector is not None

    # ---- the end of a connection -----------------------------------------------------------------
    def _after_connection(self, conn: _Connection) -> None:
        """Called by a reader thread once its connection has ended: reconnect, or finish."""
        with self._state_lock:
            if self._reconnector is not None:   # the reconnect thread restoring ``conn`` decides
                return
            if self._should_reconnect(conn):
                thread = threading.Thread(target=self._reconnect_main, args=(conn,),
                                          name=f"nakama-sync-reconnect-{next(_reconnect_numbers)}", daemon=True)
                self._reconnector = self._reconnect_thread = thread
                thread.start()
                return
        self._finish(_closed_event(conn))

    def _should_reconnect(self, conn: _Connection) -> bool:
        policy = self.reconnect_policy
        if policy is None or conn.by_client or self._closing.is_set() or self._session is None:
            return False
        return conn.close_code != _SERVER_NORMAL_CLOSE or policy.reconnect_on_server_close

    def _finish(self, event: SocketClosed) -> None:
        """Fire ``closed`` once for this ``connect()``; drop what waits in the send buffer."""
        with self._state_lock:
            if self._final_sent:
                return
            self._final_sent = True
            self._reconnector = None
            dropped = len(self._buffered)
            self._buffered.clear()
        if dropped:
            log.warning("socket closed with %d buffered sends not sent", dropped)
        log.info("socket closed: %s", event.reason)
        self._deliver(self.closed, event)  # type: ignore[attr-defined]
        self._wake_pollers()

    # ---- the reconnect thread ----------------------------------------------------------------------
    def _reconnect_main(self, lost: _Connection) -> None:
        try:
            self._reconnect_loop(lost)
        except BaseException as exc:  # the thread must never vanish silently
            log.exception("socket reconnect failed")
            self._finish(SocketClosed(reason=f"reconnect failed: {exc!r}"))

    def _reconnect_loop(self, lost: _Connection) -> None:
        policy = self.reconnect_policy
        session = self._session
        assert policy is not None and session is not None
        old_reader = lost.reader
        if old_reader is not None and old_reader is not threading.current_thread():
            old_reader.join(1.0)
        snap = self._tracker.snapshot()
        started = time.monotonic()
        cause = lost.reason or "connection lost"
        failed = 0
        while True:
            elapsed = time.monotonic() - started
            if policy.gives_up(failed, elapsed):
                self._finish(SocketClosed(reason=f"gave up reconnecting after {failed} attempt(s) in "
                                                 f"{elapsed:.1f} s; last cause: {cause}"))
                return
            delay = policy.delay(failed + 1, self._rng)
            if policy.max_elapsed is not None:
                delay = min(delay, max(0.0, policy.max_elapsed - elapsed))
            log.info("socket reconnecting (attempt %d in %.2f s): %s", failed + 1, delay, cause)
            self._deliver(self.reconnecting,  # type: ignore[attr-defined]
                          SocketReconnecting(attempt=failed + 1, delay=delay, cause=cause))
            if self._closing.wait(delay):
                self._finish(SocketClosed(reason="closed by the client", by_client=True))
                return
            failed += 1
            try:
                self._refresh_for_reconnect(session)
                conn = self._establish(session, snap.appear_online, policy.attempt_timeout, False)
            except ConnectionClosed:   # close() won during the attempt
                self._finish(SocketClosed(reason="closed by the client", by_client=True))
                return
            except SessionError as exc:
                self._finish(SocketClosed(reason=f"reconnect stopped: {exc}"))
                return
            except ApiError as exc:
                if exc.status_code in (400, 401, 403):
                    self._finish(SocketClosed(reason=f"reconnect stopped: the server refused the session "
                                                     f"(HTTP {exc.status_code}: {exc.message})"))
                    return
                cause = str(exc)
                continue
            except (NakamaError, OSError, websocket.WebSocketException) as exc:
                cause = str(exc) or type(exc).__name__
                continue
            if self._restored(conn, snap, failed, started):
                return
            if not self._should_reconnect(conn):
                self._finish(_closed_event(conn))
                return
            cause = conn.reason or "connection lost while restoring"

    def _restored(self, conn: _Connection, snap: _Snapshot, attempts: int, started: float) -> bool:
        """Restore on the new connection; True once done (``reconnected`` sent), False if it dropped."""
        try:
            result = _restore(self, snap, self._tracker)
        except ConnectionClosed:
            return False
        with self._state_lock:
            if conn.reason is not None:
                return False
            self._reconnector = None
            buffered, self._buffered = self._buffered, collections.deque()
        for frame in buffered:
            try:
                conn.ws.send(frame, _OP_TEXT)
            except (websocket.WebSocketException, OSError) as exc:
                self._send_failed(conn, exc)
                log.warning("socket dropped %d buffered sends: the connection ended again", len(buffered))
                break
        event = SocketReconnected(attempts=attempts, downtime=time.monotonic() - started,
                                  matches=result.matches, channels=result.channels,
                                  followed_user_ids=result.followed, status_restored=result.status_restored,
                                  lost=result.lost)
        log.info("socket reconnected after %d attempt(s); %d item(s) lost", attempts, len(result.lost))
        self._deliver(self.reconnected, event)  # type: ignore[attr-defined]
        return True

    def _refresh_for_reconnect(self, session: Session) -> None:
        """Renew an expired (or nearly expired) token through the Client before the upgrade."""
        if not session.needs_refresh():
            return
        if session.is_refresh_expired():
            if session.is_expired():
                raise SessionError("the session has expired and its refresh token has expired too: "
                                   "authenticate again")
            return
        client = self.client
        if getattr(client, "auto_refresh_session", False) and hasattr(client, "_ensure_fresh"):
            # client.session_refreshed runs where events run: in poll() with use_main_thread=True
            client._ensure_fresh(session, deliver=lambda notify: self._schedule_callback(  # type: ignore[attr-defined]
                lambda _none: notify(), None))
        else:
            client.session_refresh(session)

    def _buffer_send(self, frame: bytes) -> bool:
        """While reconnecting with a send buffer: keep ``frame`` for later. False when not buffering."""
        with self._state_lock:
            if self._reconnector is None or not self.send_buffer:
                return False
            if len(self._buffered) >= self.send_buffer:
                raise ConnectionClosed(f"reconnecting, and the send buffer is full ({self.send_buffer} messages)")
            self._buffered.append(frame)
            return True


def _closed_event(conn: _Connection) -> SocketClosed:
    return SocketClosed(reason=conn.reason or "connection closed", code=conn.close_code, by_client=conn.by_client)
