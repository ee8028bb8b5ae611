"""Non-blocking HTTP calls: :class:`HttpFuture`, the worker pool that runs them, and the pump that runs
their callbacks on the game's thread.

- A ``*_nowait`` call puts its work on the client's worker pool (at most ``max_workers`` daemon threads
  named ``nakama-sync-http-N``, started on demand, ended after a second without work or by
  ``client.close()``) and returns an :class:`HttpFuture` at once. The game's thread never waits for the
  network, never sleeps for a back-off.
- The worker completes the future (``result()``, ``done()``, ``concurrent.futures.wait`` see it at once);
  its done-callbacks are queued and run by ``client.poll()`` on the game's thread, in completion order.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from .exceptions import ReentrantPollError, TransportError

__all__ = ["HttpFuture"]

T = TypeVar("T")

_worker = threading.local()   # .pool: the _WorkerPool whose worker this thread is


def on_worker_thread() -> bool:
    """True on a worker thread of some client's pool (internal)."""
    return getattr(_worker, "pool", None) is not None


class _Pump:
    """The queue of callbacks waiting for the game's thread (internal).

    Thread safety: ``put`` from any thread; ``run`` from one thread at a time (the game's).
    """

    def __init__(self) -> None:
        self._queue: deque[Callable[[], Any]] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._runner: int | None = None

    def put(self, fn: Callable[[], Any]) -> None:
        with self._cond:
            self._queue.append(fn)
            self._cond.notify_all()

    def pending(self) -> int:
        return len(self._queue)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until a callback is queued; True if one is."""
        with self._cond:
            if not self._queue:
                self._cond.wait(timeout)
            return bool(self._queue)

    def run(self, max_calls: int | None) -> int:
        """Run the callbacks queued when the call started (at most ``max_calls``); returns how many ran.

        A raising callback propagates; the ones after it stay queued for the next call.
        """
        if self._runner is not None:
            if self._runner == threading.get_ident():
                raise ReentrantPollError("client.poll() was called from inside a callback it runs")
            raise ReentrantPollError("client.poll() is already running on another thread")
        queue = self._queue
        if not queue:
            return 0
        count = len(queue) if max_calls is None else min(max_calls, len(queue))
        ran = 0
        self._runner = threading.get_ident()
        try:
            while ran < count:
                try:
                    fn = queue.popleft()
                except IndexError:
                    break
                ran += 1
                fn()
        finally:
            self._runner = None
        return ran


class HttpFuture(Future[T]):
    """The pending result of a ``client.*_nowait(...)`` call: a standard ``concurrent.futures.Future``.

    It is completed by a worker thread as soon as the reply is in (``done()``, ``result()``,
    ``exception()``, ``concurrent.futures.wait`` and ``as_completed`` see it at once). Callbacks added with
    :meth:`add_done_callback` run inside a later ``client.poll()`` on the thread calling it (the game's),
    also when the future is already done. It fails with the blocking call's errors (ApiError,
    TransportError, HttpTimeout, SessionError; ``client.close()`` fails the calls still waiting for a
    worker with TransportError). ``cancel()`` succeeds while the call waits for a free worker; then
    ``result()`` raises ``concurrent.futures.CancelledError``, as for any standard future.
    ``result(timeout=None)`` waits without a limit of its own, but every call ends within the client's
    worst-case total time (``client.max_call_time()``).

    Example::

        fut = client.get_account_nowait(session)
        fut.add_done_callback(lambda f: print(f.result().user.username))   # runs in client.poll()
        while running:
            client.poll()

    Thread safety: every method may be called from any thread; blocking on ``result()`` on the game's
    thread freezes the frame: prefer callbacks or ``done()``.
    """

    def __init__(self, pump: _Pump, name: str = "call") -> None:
        """Made by the client's ``*_nowait`` methods. Example: ``client.healthcheck_nowait()``. Any thread."""
        super().__init__()
        self._pump = pump
        self._name = name

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "done" if self.done() else "pending"
        return f"<HttpFuture {self._name} {state}>"

    def add_done_callback(self, fn: Callable[[HttpFuture[T]], object]) -> None:
        """Call ``fn(future)`` inside a later ``client.poll()`` once the future is done (or cancelled).

        Example: ``fut.add_done_callback(lambda f: print(f.exception()))``. Any thread.
        """
        pump = self._pump
        super().add_done_callback(lambda _f: pump.put(lambda: fn(self)))


class _WorkerPool:
    """A bounded pool of daemon threads that run the client's non-blocking calls (internal).

    Thread safety: ``submit`` and ``close`` from any thread.
    """

    _IDLE_EXIT = 1.0   # seconds a worker waits for work before it ends

    def __init__(self, max_workers: int) -> None:
        self._max = max_workers
        self._queue: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._closed = False
        self._count = 0

    def submit(self, future: Future[T], fn: Callable[[], T]) -> None:
        with self._cond:
            if self._closed:
                raise TransportError("the client is closed")
            self._queue.append((future, fn))
            if self._idle > len(self._queue) - 1:
                self._cond.notify()
            elif len(self._threads) < self._max:
                self._count += 1
                thread = threading.Thread(target=self._work, name=f"nakama-sync-http-{self._count}", daemon=True)
                self._threads.add(thread)
                thread.start()

    def close(self, timeout: float) -> None:
        """Fail the calls still waiting for a worker, then wait up to ``timeout`` s for the workers."""
        with self._cond:
            self._closed = True
            waiting = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        for future, _fn in waiting:
            if future.set_running_or_notify_cancel():   # False: the caller cancelled it already
                future.set_exception(TransportError("the client was closed before the call was sent"))
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _work(self) -> None:
        _worker.pool = self
        me = threading.current_thread()
        try:
            while True:
                with self._cond:
                    if not self._queue and not self._closed:
                        self._idle += 1
                        self._cond.wait(self._IDLE_EXIT)
                        self._idle -= 1
                    if not self._queue:
                        self._threads.discard(me)
                        return
                    future, fn = self._queue.popleft()
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    result = fn()
                except BaseException as exc:  # noqa: BLE001 - handed to the future's owner
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            with self._cond:
                self._threads.discard(me)
