"""The reconnector: a state machine that gets a dropped connection back.

States: ``IDLE`` → (``begin``) ``WAITING`` → ``CONNECTING`` → ``RESTORING`` → ``IDLE`` (``reconnected``);
from any state, ``stop()`` (the game closed the socket) or giving up → ``IDLE`` with ``closed``. Each
round (one drop, up to its restore) has a *generation*; its thread (``nakama-sync-reconnect-N``) acts only
while the generation is current, and every event it sends belongs to it. A drop during the restore, or
right after ``reconnected``, is taken up by the same round, so the game's events stay in order
(``reconnected`` is never the last word while a new round runs).

Each attempt is bounded: the session refresh (when the token expired) and the upgrade share
``attempt_timeout`` (a total deadline), and ``max_elapsed`` caps the whole round; ``stop()`` ends a wait
or an attempt at once. ``send_buffer`` frames kept while away are sent after the restore, before any new
send of the game (those wait in the buffer until it is flushed).

Surface: ``begin(lost)``, ``stop()``, ``active``, ``buffer(frame)``, ``join(deadline)``.
Thread safety: every method from any thread.
"""
from __future__ import annotations

import collections
import itertools
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from ._reconnect import ReconnectPolicy
from .exceptions import ApiError, ConnectionClosed, HttpTimeout, NakamaError, SessionError
from .models.realtime import SocketClosed
from .models.reconnect import SocketReconnected, SocketReconnecting

__all__ = ["Reconnector", "refresh_session"]

log = logging.getLogger("nakama_sync.socket")

_numbers = itertools.count(1)
IDLE, WAITING, CONNECTING, RESTORING = "idle", "waiting", "connecting", "restoring"


class _Host(Protocol):
    """What the reconnector needs from the Socket."""

    def refresh_session(self, timeout: float) -> None: ...
    def establish(self, timeout: float) -> Any: ...          # a started Connection, or raises
    def restore(self) -> Any: ...                            # a _RestoreResult; ConnectionClosed if it dropped
    def flush(self, conn: Any, frames: list[bytes]) -> None: ...
    def announce(self, signal_name: str, event: Any) -> None: ...
    def finish(self, event: SocketClosed) -> None: ...


class Reconnector:
    """Gets a dropped connection back (see the module docstring). Example::

        rec = Reconnector(ReconnectPolicy(), send_buffer=100, host=socket_host)
        rec.begin(lost_connection)      # a reader thread, once its connection ended
        rec.stop(); rec.join(deadline)  # close()
    """

    def __init__(self, policy: ReconnectPolicy, send_buffer: int, host: _Host) -> None:
        self.policy = policy
        self.send_buffer = send_buffer
        self._host = host
        self._lock = threading.Lock()
        self._state = IDLE
        self._generation = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._buffered: collections.deque[bytes] = collections.deque()
        self._rng = random.Random()

    @property
    def active(self) -> bool:
        """True while a round runs (from the drop until ``reconnected`` or ``closed``)."""
        return self._state != IDLE

    @property
    def state(self) -> str:
        """``"idle"``, ``"waiting"``, ``"connecting"`` or ``"restoring"``."""
        return self._state

    def reset(self) -> None:
        """A fresh ``connect()``: clear a previous ``stop()``."""
        self._stopping.clear()
        with self._lock:
            self._buffered.clear()

    def begin(self, lost: Any) -> bool:
        """Start a round for the connection ``lost`` (a reader thread calls it once its connection ended).

        False when a round already runs (it takes this drop up itself) or the reconnector is stopped.
        """
        with self._lock:
            if self._state != IDLE or self._stopping.is_set():
                return False
            self._state = WAITING
            self._generation += 1
            thread = threading.Thread(target=self._main, args=(lost, self._generation),
                                      name=f"nakama-sync-reconnect-{next(_numbers)}", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()   # under the lock: join() never sees a thread that is not started
        return True

    def stop(self) -> None:
        """End the round at once (close()): its wait or attempt is cut short; it finishes with ``closed``."""
        self._stopping.set()

    def join(self, deadline: float) -> list[threading.Thread]:
        """Join every reconnect thread started until ``deadline`` (monotonic); returns those still alive."""
        me = threading.current_thread()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread is not me:
                thread.join(max(0.0, deadline - time.monotonic()))
        return [t for t in threads if t.is_alive() and t is not me]

    def buffer(self, frame: bytes) -> bool:
        """While a round runs and ``send_buffer`` > 0 (or the buffer is still being flushed): keep ``frame``
        to send after the restore. False when not buffering. Raises ConnectionClosed when full."""
        with self._lock:
            if self._state == IDLE and not self._buffered:
                return False
            if not self.send_buffer:
                return False
            if len(self._buffered) >= self.send_buffer:
                raise ConnectionClosed(f"reconnecting, and the send buffer is full ({self.send_buffer} messages)")
            self._buffered.append(frame)
            return True

    def drop_buffer(self) -> int:
        """Forget the buffered frames (the socket closed for good); returns how many."""
        with self._lock:
            n = len(self._buffered)
            self._buffered.clear()
            return n

    # ---- the round's thread ---------------------------------------------------------------------------
    def _main(self, lost: Any, generation: int) -> None:
        try:
            self._round(lost, generation)
        except BaseException as exc:  # the thread must never vanish silently
            log.exception("socket reconnect failed")
            self._end(generation, SocketClosed(reason=f"reconnect failed: {exc!r}"))

    def _end(self, generation: int, event: SocketClosed | None) -> None:
        with self._lock:
            if self._generation == generation:
                self._state = IDLE
        if event is not None:
            self._host.finish(event)

    def _set(self, generation: int, state: str) -> bool:
        with self._lock:
            if self._generation != generation or self._stopping.is_set():
                return False
            self._state = state
            return True

    def _round(self, lost: Any, generation: int) -> None:
        policy = self.policy
        host = self._host
        old_reader = getattr(lost, "reader", None)
        if old_reader is not None and old_reader is not threading.current_thread():
            old_reader.join(1.0)
        started = time.monotonic()
        cause = getattr(lost, "reason", None) or "connection lost"
        failed = 0
        closed_by_client = SocketClosed(reason="closed by the client", by_client=True)
        while True:
            elapsed = time.monotonic() - started
            if self._stopping.is_set():
                self._end(generation, closed_by_client)
                return
            if policy.gives_up(failed, elapsed):
                self._end(generation, SocketClosed(reason=f"gave up reconnecting after {failed} attempt(s) in "
                                                          f"{elapsed:.1f} s; last cause: {cause}"))
                return
            delay = policy.delay(failed + 1, self._rng)
            budget = policy.attempt_timeout
            if policy.max_elapsed is not None:
                delay = min(delay, max(0.0, policy.max_elapsed - elapsed))
                budget = max(0.05, min(budget, policy.max_elapsed - elapsed - delay))
            log.info("socket reconnecting (attempt %d in %.2f s): %s", failed + 1, delay, cause)
            if not self._set(generation, WAITING):
                self._end(generation, closed_by_client)
                return
            host.announce("reconnecting", SocketReconnecting(attempt=failed + 1, delay=delay, cause=cause))
            if self._stopping.wait(delay) or not self._set(generation, CONNECTING):
                self._end(generation, closed_by_client)
                return
            failed += 1
            attempt_deadline = time.monotonic() + budget
            try:
                host.refresh_session(budget)
                conn = host.establish(max(0.05, attempt_deadline - time.monotonic()))
            except ConnectionClosed:   # close() won during the attempt
                self._end(generation, closed_by_client)
                return
            except SessionError as exc:
                if self._stopping.is_set():
                    self._end(generation, closed_by_client)
                    return
                self._end(generation, SocketClosed(reason=f"reconnect stopped: {exc}"))
                return
            except ApiError as exc:
                if exc.status_code in (400, 401, 403):
                    self._end(generation, SocketClosed(reason=f"reconnect stopped: the server refused the session "
                                                              f"(HTTP {exc.status_code}: {exc.message})"))
                    return
                cause = str(exc)
                continue
            except (NakamaError, OSError) as exc:
                cause = str(exc) or type(exc).__name__
                continue
            if not self._set(generation, RESTORING):
                self._end(generation, closed_by_client)
                return
            try:
                result = host.restore()
            except ConnectionClosed:
                cause = conn.reason or "connection lost while restoring"
                continue
            while True:   # flush the send buffer before the game's new sends (they queue behind it)
                with self._lock:
                    frames = list(self._buffered)
                    self._buffered.clear()
                if not frames:
                    break
                host.flush(conn, frames)
            if conn.reason is not None:
                cause = conn.reason
                continue
            host.announce("reconnected", SocketReconnected(
                attempts=failed, downtime=time.monotonic() - started, matches=result.matches,
                channels=result.channels, followed_user_ids=result.followed,
                status_restored=result.status_restored, lost=result.lost))
            log.info("socket reconnected after %d attempt(s); %d item(s) lost", failed, len(result.lost))
            while True:
                with self._lock:
                    frames = list(self._buffered)
                    self._buffered.clear()
                    if not frames:
                        if conn.reason is None or self._generation != generation:
                            self._state = IDLE
                            return
                        break
                host.flush(conn, frames)
            # dropped again right after "reconnected": this round goes on (its reader left it to us)
            cause = conn.reason or "connection lost"
            started = time.monotonic()
            failed = 0


def refresh_session(client: Any, session: Any, timeout: float, closing: threading.Event,
                    deliver: Callable[[Callable[[], None]], None] | None = None) -> None:
    """Renew ``session``'s expired (or nearly expired) token through ``client`` within ``timeout`` seconds.

    The HTTP call runs on a helper thread (``nakama-sync-refresh``, it ends with the client's own HTTP
    timeout) so that neither the attempt's deadline nor ``close()`` (``closing``) waits for it. Raises
    SessionError (the refresh token expired too), ConnectionClosed (closing), HttpTimeout, or what the
    refresh raised. Thread: the reconnect thread.
    """
    if not session.needs_refresh():
        return
    if session.is_refresh_expired():
        if session.is_expired():
            raise SessionError("the session has expired and its refresh token has expired too: authenticate again")
        return
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            if getattr(client, "auto_refresh_session", False) and hasattr(client, "_ensure_fresh"):
                # tells the game through client.session_refreshed, where ``deliver`` says (the socket's poll())
                client._ensure_fresh(session, deliver=deliver)
            else:
                client.session_refresh(session)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reconnect thread
            outcome.append(exc)

    helper = threading.Thread(target=run, name="nakama-sync-refresh", daemon=True)
    helper.start()
    deadline = time.monotonic() + timeout
    while helper.is_alive():
        if closing.wait(min(0.05, max(0.0, deadline - time.monotonic()))):
            raise ConnectionClosed("closed by the client while refreshing the session")
        if time.monotonic() >= deadline and helper.is_alive():
            raise HttpTimeout(f"session refresh did not finish within {timeout:.1f} s")
    if outcome and outcome[0] is not None:
        raise outcome[0]
