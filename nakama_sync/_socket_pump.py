"""The event queue and its pump: ``deliver`` (reader side), ``poll`` / ``next_event`` (game side).

The reader thread calls ``deliver(signal, event)`` for each event. With ``use_main_thread=True`` that
appends to a deque that ``poll()`` drains on the game's thread; with ``use_main_thread=False`` it sends
the signal at once, on the reader thread. Future callbacks travel the same road (an item whose signal is
``None``), so they run where handlers run, in arrival order with the events.

The queue is bounded (``max_queued_events``). When a game stops polling and it fills up, ``queue_full``
applies: ``"drop_oldest"`` drops the oldest *event* (future callbacks are never dropped), counts it in
``dropped`` and reports each overflow episode once on ``received_error`` (kind ``"queue_overflow"``);
``"close"`` calls ``on_full(reason)`` (the Socket closes itself).

Only one thread pumps at a time: a second thread calling ``poll()``/``next_event()`` while one is inside
(waiting or running handlers) is refused at once with :class:`ReentrantPollError`, as is a call from
inside a handler. Once ``finish()`` was called (the socket closed for good) a waiting ``poll(None)`` /
``next_event(None)`` returns as soon as the queue is empty. Thread safety: ``deliver``, ``schedule``,
``wake``, ``finish`` and ``reopen`` from any thread; the rest from the pumping thread.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ._events import SocketEvent, StrongSignal
from .exceptions import InvalidArgument, ReentrantPollError, UsageError
from .models.realtime import SocketErrorEvent

__all__ = ["EventPump"]

log = logging.getLogger("nakama_sync.socket")

_Item = tuple[Any, Any]  # (signal, event model) or (None, (callback, future))
_get_ident = threading.get_ident
_sleep = time.sleep
_monotonic = time.monotonic
#: A game loop spinning on an empty poll()/next_event() never releases the GIL, so the reader thread
#: would wait the interpreter's switch interval (5 ms) per wake-up. Every 16th empty call looks at the
#: clock and, once per _SPIN_BUDGET seconds, gives the GIL away with sleep(0).
_SPIN_BUDGET = 0.0002


class EventPump:
    """The queue between the reader thread and the game. Example::

        pump = EventPump(sender, error_signal, use_main_thread=True, max_queued_events=1000,
                         queue_full="drop_oldest", on_full=close_socket)
        pump.deliver(signal, event)      # reader thread
        pump.poll()                      # game thread: runs signal._emit(sender, event)
    """

    def __init__(self, sender: Any, error_signal: Any, *, use_main_thread: bool, max_queued_events: int | None,
                 queue_full: str, on_full: Callable[[str], None]) -> None:
        if max_queued_events is not None and max_queued_events < 1:
            raise InvalidArgument("max_queued_events must be >= 1 or None")
        if queue_full not in ("drop_oldest", "close"):
            raise InvalidArgument("queue_full must be 'drop_oldest' or 'close'")
        self._sender = sender
        self._error_signal = error_signal
        self.use_main_thread = use_main_thread
        self.max_queued_events = max_queued_events
        self.queue_full = queue_full
        self._on_full = on_full
        self.dropped = 0
        self._overflowing = False
        self._queue: collections.deque[_Item] = collections.deque()
        self._wakeup = threading.Event()
        self._waiting = False
        self._finished = False
        self._gate = threading.Lock()      # held by the one thread inside poll()/next_event()
        self._owner: int | None = None     # that thread's ident
        self._empty_polls = 0
        self._yield_at = 0.0
        self.on_handler_error: Callable[[BaseException, Any], Any] | None = None
        self.deliver: Callable[[Any, Any], None] = self._enqueue if use_main_thread else self._dispatch_now

    # ---- reader side ------------------------------------------------------------------------------
    def schedule(self, fn: Callable[[Any], Any], future: Any) -> None:
        """Run a future's done-callback where handlers run (the queue, or now on reader-thread mode)."""
        self.deliver(None, (fn, future))

    def wake(self) -> None:
        """Wake a poll() that waits (e.g. the connection state changed)."""
        self._wakeup.set()

    def finish(self) -> None:
        """The socket is over until the next connect(): waiting pollers return once the queue is empty."""
        self._finished = True
        self._wakeup.set()

    def reopen(self) -> None:
        """A new connect(): poll(None) waits for events again."""
        self._finished = False

    def _enqueue(self, signal: Any, payload: Any) -> None:
        queue = self._queue
        limit = self.max_queued_events
        if limit is not None and signal is not None and len(queue) >= limit:
            if self._overflow(queue, limit):
                return
        elif self._overflowing and limit is not None and len(queue) < limit // 2:
            self._overflowing = False
        queue.append((signal, payload))
        if self._waiting:
            self._wakeup.set()

    def _overflow(self, queue: collections.deque[_Item], limit: int) -> bool:
        """The queue is full (reader thread): apply the policy. True when the event must be dropped."""
        if self.queue_full == "close":
            if not self._overflowing:
                self._overflowing = True
                log.error("socket event queue full (%d events): closing the socket", limit)
                self._on_full(f"event queue full ({limit} events): the game stopped polling")
            return False   # the connection is over: what still comes (its "closed") is kept
        kept: list[_Item] = []
        while queue:   # drop the oldest event; keep the future callbacks in front of it
            try:
                item = queue.popleft()
            except IndexError:   # poll() emptied it meanwhile
                break
            if item[0] is None or (type(item[1]) is SocketErrorEvent and item[1].kind == "queue_overflow"):
                kept.append(item)   # callbacks and the overflow report itself are never dropped
                continue
            self.dropped += 1
            break
        queue.extendleft(reversed(kept))
        if not self._overflowing:
            self._overflowing = True
            log.warning("socket event queue full (%d events): dropping the oldest (poll() more often)", limit)
            queue.append((self._error_signal, SocketErrorEvent(
                code=-1, kind="queue_overflow",
                message=f"event queue full ({limit} events): the oldest events are being dropped")))
        return False

    def _dispatch_now(self, signal: Any, payload: Any) -> None:
        """Reader-thread mode: run handlers now; a raising handler is logged and reported, never fatal."""
        previous = self._owner
        self._owner = _get_ident()
        try:
            self._run_item(signal, payload)
        except Exception as exc:
            log.exception("socket handler raised on the reader thread")
            if signal is not self._error_signal:
                self._dispatch_now(self._error_signal, SocketErrorEvent(
                    code=-1, message=f"handler raised {exc!r}", kind="handler_error", exception=exc))
        finally:
            self._owner = previous

    # ---- game side ------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._queue)

    def poll(self, timeout: float | None = 0.0, max_events: int | None = None) -> int:
        """Run the queued events' handlers on this thread; returns how many ran (see :meth:`Socket.poll`:
        ``timeout=0`` never blocks, ``None`` waits for an event or the socket's end).
        Example: ``socket.poll()``. Thread: one pumping thread at a time, never from inside a handler."""
        if self._owner is not None:
            self._refuse()
        queue = self._queue
        if not queue and timeout is not None and timeout <= 0:
            self._empty_polls = empty = self._empty_polls + 1
            if not empty & 15:   # a spinning game loop: give the GIL away now and then
                self._spin_yield()
            return 0
        if not self._gate.acquire(False):
            self._refuse()
        self._owner = _get_ident()
        try:
            if not queue and not self._wait(timeout):
                return 0
            count = len(queue)
            if max_events is not None and max_events < count:
                count = max_events
            ran = 0
            popleft = queue.popleft
            run = self._run_item
            while ran < count:
                try:
                    signal, payload = popleft()
                except IndexError:
                    break
                ran += 1
                run(signal, payload)
            return ran
        finally:
            self._owner = None
            self._gate.release()

    def next_event(self, timeout: float | None = 0.0) -> SocketEvent | None:
        """Return the next event instead of sending it to the signals, or None (see :meth:`Socket.next_event`).
        Example: ``event = socket.next_event()``. Thread: one pumping thread at a time."""
        if not self.use_main_thread:
            raise UsageError("next_event() needs use_main_thread=True: events are dispatched on the reader")
        if self._owner is not None:
            self._refuse()
        queue = self._queue
        if not queue and timeout is not None and timeout <= 0:
            self._empty_polls = empty = self._empty_polls + 1
            if not empty & 15:   # as in poll()
                self._spin_yield()
            return None
        if not self._gate.acquire(False):
            self._refuse()
        self._owner = _get_ident()
        try:
            deadline = None if timeout is None else _monotonic() + max(0.0, timeout)
            while True:
                if not queue:
                    left = None if deadline is None else deadline - _monotonic()
                    if (left is not None and left <= 0) or not self._wait(left):
                        return None
                try:
                    signal, payload = queue.popleft()
                except IndexError:
                    continue
                if signal is not None:
                    event: SocketEvent = payload
                    return event
                self._run_item(None, payload)
        finally:
            self._owner = None
            self._gate.release()

    def _refuse(self) -> None:
        owner = self._owner
        if owner == _get_ident():
            raise ReentrantPollError("poll()/next_event() called from inside a socket handler")
        if owner is not None and not self.use_main_thread:
            return   # reader-thread mode: the reader runs handlers; the game may still poll callbacks
        raise ReentrantPollError("poll()/next_event() is already running on another thread "
                                 "(one thread pumps the socket)")

    def _spin_yield(self) -> None:
        if _monotonic() >= self._yield_at:
            _sleep(0)
            self._yield_at = _monotonic() + _SPIN_BUDGET

    def _wait(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` (None: until something comes or the socket is over). True if queued."""
        deadline = None if timeout is None else _monotonic() + timeout
        self._waiting = True
        try:
            while True:
                self._wakeup.clear()
                if self._queue:
                    return True
                if self._finished:
                    return False
                left = None if deadline is None else deadline - _monotonic()
                if left is not None and left <= 0:
                    return False
                self._wakeup.wait(left)
        finally:
            self._waiting = False

    def _run_item(self, signal: Any, payload: Any) -> None:
        try:
            if signal is None:
                fn, future = payload
                fn(future)
            elif type(signal) is StrongSignal:
                signal._emit(self._sender, payload)
            else:
                signal.send(self._sender, event=payload)
        except Exception as exc:
            hook = self.on_handler_error
            if hook is None:
                raise
            hook(exc, payload)
