"""The Socket's event side: signals, the event queue, ``poll()``, the pull style, handler errors.

The reader thread calls ``self._deliver(signal, event)`` for each event. With ``use_main_thread=True``
that appends to a deque that ``poll()`` drains on the game's thread; with ``use_main_thread=False`` it
sends the signal at once, on the reader thread. Future callbacks travel the same road (an item whose
signal is ``None``), so they run where handlers run, in arrival order with the events.

The queue is bounded (``max_queued_events``). When a game stops polling and it fills up, the policy
``queue_full`` applies: ``"drop_oldest"`` drops the oldest *event* (future callbacks are never dropped),
counts it in ``dropped_events`` and reports the start of each overflow episode once on
``received_error`` (kind ``"queue_overflow"``); ``"close"`` closes the socket instead.
"""
from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterator
from inspect import iscoroutinefunction as _iscoroutinefunction  # what blinker's send() checks
from typing import Any

import blinker

from ._events import SIGNAL_NAMES
from .exceptions import ReentrantPollError
from .models.realtime import SocketErrorEvent

__all__ = ["StrongSignal", "_Dispatcher"]

log = logging.getLogger("nakama_sync.socket")

_Item = tuple[Any, Any]  # (signal, event model) or (None, (callback, future))
_get_ident = threading.get_ident
_sleep = time.sleep
_monotonic = time.monotonic
#: A game loop spinning on an empty poll()/next_event() never releases the GIL, so the reader thread (and
#: a dev server in the same process) would wait the interpreter's switch interval (5 ms) per wake-up.
#: Every 16th empty call looks at the clock and, once per _SPIN_BUDGET seconds, gives the GIL away with
#: sleep(0) (~1-100 us depending on the OS timer slack). Measured in benchmarks/bench_relay.py.
_SPIN_BUDGET = 0.0002


class StrongSignal(blinker.Signal):
    """A blinker Signal whose ``connect`` keeps a strong reference by default (``weak=False``).

    So ``socket.received_match_state.connect(lambda sender, event: ...)`` keeps working: the lambda
    does not vanish when it goes out of scope. Pass ``weak=True`` to get blinker's usual behaviour.
    Example: ``socket.closed.connect(on_closed)``. Thread: connect handlers before ``connect()``, or from
    the thread that runs the handlers.
    """

    _async_receivers = False   # set once a coroutine function connects: then _emit() defers to send()

    def connect(self, receiver: Any, sender: Any = blinker.ANY, weak: bool = False) -> Any:
        if _iscoroutinefunction(receiver):
            self._async_receivers = True
        return super().connect(receiver, sender, weak)

    def _emit(self, sender: Any, event: Any) -> None:
        """``send(sender, event=event)`` without its per-receiver coroutine check (the socket's hot path).

        Same receivers, order, sender filtering, weak references and ``muted()`` as ``send``.
        """
        if self._async_receivers or self.is_muted:
            self.send(sender, event=event)
            return
        for receiver in self.receivers_for(sender):
            receiver(sender, event=event)


class _Dispatcher:
    """Mixin of Socket: signals, queue and pump. Socket.__init__ calls ``_init_dispatch``."""

    on_handler_error: Callable[[BaseException, Any], Any] | None
    _use_main_thread: bool
    received_error: Any   # a signal, declared by Socket

    def _init_dispatch(self, use_main_thread: bool, max_queued_events: int | None = None,
                       queue_full: str = "drop_oldest") -> None:
        for name in SIGNAL_NAMES:
            setattr(self, name, StrongSignal(f"Socket.{name}"))
        if max_queued_events is not None and max_queued_events < 1:
            raise ValueError("max_queued_events must be >= 1 or None")
        if queue_full not in ("drop_oldest", "close"):
            raise ValueError("queue_full must be 'drop_oldest' or 'close'")
        self._use_main_thread = use_main_thread
        self.max_queued_events = max_queued_events
        self.queue_full = queue_full
        self._dropped = 0
        self._overflowing = False
        self._queue: collections.deque[_Item] = collections.deque()
        self._wakeup = threading.Event()
        self._poll_waiting = False
        self._empty_polls = 0
        self._yield_at = 0.0
        self._dispatch_owner: int | None = None
        self.on_handler_error = None
        self._deliver: Callable[[Any, Any], None] = (self._enqueue if use_main_thread
                                                     else self._dispatch_on_reader)

    # ---- public: handlers --------------------------------------------------------------------
    def on(self, signal_name: str, handler: Callable[..., Any] | None = None) -> Any:
        """Connect ``handler(sender, event)`` to the signal named ``signal_name`` (strongly); returns it.

        Also a decorator: ``@socket.on("received_match_state")``. Example:
        ``socket.on("received_notification", lambda sender, event: print(event.subject))``.
        Thread: as for ``Signal.connect`` (before connecting, or on the thread that runs handlers).
        """
        if signal_name not in SIGNAL_NAMES:
            raise ValueError(f"unknown socket signal {signal_name!r}; one of {', '.join(SIGNAL_NAMES)}")
        signal: blinker.Signal = getattr(self, signal_name)
        if handler is None:
            def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
                signal.connect(fn, weak=False)
                return fn
            return decorate
        signal.connect(handler, weak=False)
        return handler

    # ---- public: the pump --------------------------------------------------------------------
    def poll(self, timeout: float | None = 0.0, max_events: int | None = None) -> int:
        """Run the handlers of the events received so far, in order, on the calling thread.

        ``timeout=0`` (the default) never blocks; a positive timeout waits up to that long for the first
        event when none is queued; ``None`` waits until one arrives. At most ``max_events`` are run
        (default: those queued when the call started). Returns how many it ran (events and future
        callbacks). If a handler raises, the exception propagates from poll() and the remaining events
        stay queued for the next call, unless ``socket.on_handler_error = fn`` is set: then
        ``fn(exception, event)`` is called and poll() goes on.
        A game loop may spin on it: an empty non-blocking poll() gives up the GIL for a moment about
        every 0.2 ms of spinning, so the reader thread is not starved (it would wait 5 ms per wake-up).
        Example: ``while running: socket.poll(); draw()``.
        Thread: the game's thread (one thread at a time); never from inside a handler
        (that raises :class:`ReentrantPollError`).
        """
        if self._dispatch_owner is not None:
            self._check_reentrant()
        queue = self._queue
        if not queue:
            if timeout is not None and timeout <= 0:
                self._empty_polls = empty = self._empty_polls + 1
                if not empty & 15:   # a spinning game loop: give the GIL away now and then
                    self._spin_yield()
                return 0
            if not self._wait_for_event(timeout):
                return 0
        count = len(queue)
        if max_events is not None and max_events < count:
            count = max_events
        ran = 0
        self._dispatch_owner = _get_ident()
        try:
            popleft = queue.popleft
            run = self._run_item
            while ran < count:
                try:
                    signal, payload = popleft()
                except IndexError:
                    break
                ran += 1
                run(signal, payload)
        finally:
            self._dispatch_owner = None
        return ran

    def next_event(self, timeout: float | None = 0.0) -> Any:
        """Pull style: return the next event model (or ``None`` if none came within ``timeout``).

        The event is returned *instead of* being sent to the signals. Future callbacks queued before it
        are run first. ``timeout`` works as in :meth:`poll`.
        Example: ``while (event := socket.next_event()) is not None: if isinstance(event, MatchData): ...``
        Thread: the game's thread, not inside a handler. Needs ``use_main_thread=True``.
        """
        if not self._use_main_thread:
            raise RuntimeError("next_event() needs use_main_thread=True: events are dispatched on the reader")
        if self._dispatch_owner is not None:
            self._check_reentrant()
        queue = self._queue
        while True:
            if not queue:
                if timeout is not None and timeout <= 0:
                    self._empty_polls = empty = self._empty_polls + 1
                    if not empty & 15:   # as in poll()
                        self._spin_yield()
                    return None
                if not self._wait_for_event(timeout):
                    return None
            try:
                signal, payload = queue.popleft()
            except IndexError:
                continue
            if signal is not None:
                return payload
            self._dispatch_owner = _get_ident()
            try:
                self._run_item(None, payload)
            finally:
                self._dispatch_owner = None

    def __iter__(self) -> Iterator[Any]:
        """Iterate over the events queued now, without blocking: ``for event in socket: ...``.

        Same rules as :meth:`next_event` (events are not sent to the signals). Thread: the game's thread.
        """
        while True:
            event = self.next_event()
            if event is None:
                return
            yield event

    @property
    def dropped_events(self) -> int:
        """How many events were dropped because the queue was full (``queue_full="drop_oldest"``).

        Example: ``if socket.dropped_events: log("the game polled too slowly")``. Any thread.
        """
        return self._dropped

    @property
    def pending_events(self) -> int:
        """How many events and callbacks wait for the next poll(). Example: ``if socket.pending_events:``"""
        return len(self._queue)

    # ---- internals ----------------------------------------------------------------------------
    def _check_reentrant(self) -> None:
        owner = self._dispatch_owner
        if owner is None:
            return
        if owner == _get_ident():
            raise ReentrantPollError("poll()/next_event() called from inside a socket handler")
        if self._use_main_thread:
            raise ReentrantPollError("poll()/next_event() is already running on another thread")

    def _spin_yield(self) -> None:
        """Called every 16th empty non-blocking poll: sleep(0) once per _SPIN_BUDGET of spinning."""
        if _monotonic() >= self._yield_at:
            _sleep(0)
            self._yield_at = _monotonic() + _SPIN_BUDGET

    def _wait_for_event(self, timeout: float | None) -> bool:
        self._poll_waiting = True
        try:
            self._wakeup.clear()
            if self._queue:
                return True
            self._wakeup.wait(timeout)
            return bool(self._queue)
        finally:
            self._poll_waiting = False

    def _wake_pollers(self) -> None:
        self._wakeup.set()

    def _enqueue(self, signal: Any, payload: Any) -> None:
        queue = self._queue
        limit = self.max_queued_events
        if limit is not None and signal is not None and len(queue) >= limit:
            self._overflow(queue, limit)
        elif self._overflowing and limit is not None and len(queue) < limit // 2:
            self._overflowing = False
        queue.append((signal, payload))
        if self._poll_waiting:
            self._wakeup.set()

    def _overflow(self, queue: collections.deque[_Item], limit: int) -> None:
        """The queue is full (reader thread): apply the ``queue_full`` policy."""
        if self.queue_full == "close":
            if not self._overflowing:
                self._overflowing = True
                log.error("socket event queue full (%d events): closing the socket", limit)
                self._closing.set()   # type: ignore[attr-defined]  # no reconnect after this
                conn = self._conn     # type: ignore[attr-defined]
                if conn is not None:
                    self._connection_lost(  # type: ignore[attr-defined]
                        conn, f"event queue full ({limit} events): the game stopped polling")
                    conn.wake_reader()
            return
        kept: list[_Item] = []
        while queue:   # drop the oldest event; keep the future callbacks in front of it
            try:
                item = queue.popleft()
            except IndexError:   # poll() emptied it meanwhile
                break
            if item[0] is None or (type(item[1]) is SocketErrorEvent and item[1].kind == "queue_overflow"):
                kept.append(item)   # callbacks and the overflow report itself are never dropped
                continue
            self._dropped += 1
            break
        queue.extendleft(reversed(kept))
        if not self._overflowing:
            self._overflowing = True
            log.warning("socket event queue full (%d events): dropping the oldest (poll() more often)", limit)
            queue.append((self.received_error, SocketErrorEvent(  # type: ignore[attr-defined]
                code=-1, kind="queue_overflow",
                message=f"event queue full ({limit} events): the oldest events are being dropped")))

    def _schedule_callback(self, fn: Callable[[Any], Any], future: Any) -> None:
        """Where future callbacks go: the queue (main-thread mode) or right now (reader mode)."""
        if self._use_main_thread:
            self._enqueue(None, (fn, future))
        else:
            self._dispatch_on_reader(None, (fn, future))

    def _run_item(self, signal: Any, payload: Any) -> None:
        try:
            if signal is None:
                fn, future = payload
                fn(future)
            elif type(signal) is StrongSignal:
                signal._emit(self, payload)
            else:
                signal.send(self, event=payload)
        except Exception as exc:
            hook = self.on_handler_error
            if hook is None:
                raise
            hook(exc, payload)

    def _dispatch_on_reader(self, signal: Any, payload: Any) -> None:
        """Reader-thread mode: run handlers now; a raising handler is logged and reported, never fatal."""
        previous = self._dispatch_owner
        self._dispatch_owner = _get_ident()
        try:
            self._run_item(signal, payload)
        except Exception as exc:
            error_signal = self.received_error
            log.exception("socket handler raised on the reader thread")
            if signal is not error_signal:
                self._dispatch_on_reader(error_signal, SocketErrorEvent(
                    code=-1, message=f"handler raised {exc!r}", kind="handler_error", exception=exc))
        finally:
            self._dispatch_owner = previous
