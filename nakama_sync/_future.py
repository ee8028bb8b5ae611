"""``SocketFuture``: the handle of one socket request, resolved by the socket's reader thread.

Because the reader thread (not ``poll()``) resolves it, ``result()`` may be called on any thread, also
inside an event handler running in ``poll()``, without deadlock. Done-callbacks, in contrast, run where
events run: inside ``poll()`` on the game's thread (``use_main_thread=True``), or on the thread that
completed the future, normally the reader thread (``use_main_thread=False``).
"""
from __future__ import annotations

import _thread
import concurrent.futures
import time
from _thread import allocate_lock as _allocate_lock
from collections.abc import Callable
from concurrent.futures._base import FINISHED as _FINISHED
from concurrent.futures._base import RUNNING as _RUNNING
from typing import Any, NoReturn, TypeVar

from ._socket_codec import error_from_wire
from ._socket_conn import READER_IDENTS
from .exceptions import RequestTimeout, SocketError, UsageError

_get_ident = _thread.get_ident

__all__ = ["SocketFuture"]

T = TypeVar("T")

_Scheduler = Callable[[Callable[["SocketFuture[Any]"], Any], "SocketFuture[Any]"], None]


class SocketFuture(concurrent.futures.Future[T]):
    """The pending reply to a socket request made with a ``*_nowait`` method.

    Example::

        fut = socket.create_match_nowait()
        fut.add_done_callback(lambda f: print(f.result().match_id))   # runs in a later poll()
        match = fut.result(timeout=5)                                  # or block for it

    It fails with :class:`SocketError` (error reply), :class:`RequestTimeout` (no reply within the socket's
    ``request_timeout``) or :class:`ConnectionClosed` (the connection ended first). ``cancel()`` always
    returns False: a request that was sent cannot be unsent; just ignore the future.
    ``result()`` / ``exception()`` with ``timeout=None`` wait at most until the socket's
    ``request_timeout`` for this request has passed (not forever); a number waits at most that long.
    It is a ``concurrent.futures.Future``: it works with ``concurrent.futures.wait()`` and
    ``as_completed()`` (alone or mixed with ``HttpFuture`` / executor futures), for type checkers too:
    ``done, _ = concurrent.futures.wait([f1, f2], timeout=5)``. Only the socket completes it:
    ``set_result()``, ``set_exception()`` and ``set_running_or_notify_cancel()`` raise :class:`UsageError`.
    Thread safety: every method may be called from any thread.
    """

    __slots__ = (
        "_callbacks",
        "_condition",
        "_deadline",
        "_exc",
        "_lock",
        "_parse",
        "_reply_key",
        "_request",
        "_result",
        "_schedule",
        "_state",
        "_waiter",
        "_waiters",
    )

    def __init__(self, request: str, timeout: float, schedule: _Scheduler,
                 parse: Callable[[Any], T] | None = None, reply_key: str | None = None) -> None:
        # concurrent.futures.Future.__init__ is not called on purpose: its Condition would cost more than
        # the whole request; the state it reads (_condition, _state, _waiters) is set up below.
        self._request = request
        self._deadline = time.monotonic() + timeout
        # Completion is handed to waiting threads through a bare lock, held from the start and released
        # once by _set(): the cheapest cross-thread wake-up in CPython (an Event adds a Condition).
        # Each waiter that gets it releases it again for the next one.
        self._waiter = _allocate_lock()
        self._waiter.acquire()
        self._lock = _allocate_lock()
        self._result: Any = None
        self._exc: BaseException | None = None
        self._callbacks: list[Callable[[SocketFuture[T]], Any]] | None = None
        # What concurrent.futures.wait() / as_completed() read: they lock ``_condition``, read ``_state``
        # and put a waiter in ``_waiters`` (under that lock); _set() hands the outcome to those waiters
        # under the same lock, as concurrent.futures.Future does.
        self._condition = self._lock  # type: ignore[assignment]  # a Lock: they only acquire/release it
        self._state = _RUNNING
        self._waiters = []
        self._schedule = schedule
        self._parse = parse
        self._reply_key = reply_key

    def __repr__(self) -> str:
        state = "pending" if self._state is not _FINISHED else ("failed" if self._exc else "done")
        return f"<SocketFuture {self._request} {state}>"

    # ---- concurrent.futures.Future's surface ---------------------------------------------------
    def cancel(self) -> bool:
        """Always False: a request that was sent cannot be unsent (as ``concurrent.futures.Future.cancel``
        on a running future). Example: ``fut.cancel()``. Any thread."""
        return False

    def cancelled(self) -> bool:
        """Always False (see :meth:`cancel`). Any thread."""
        return False

    def running(self) -> bool:
        """True until the reply (or the failure) is in. Example: ``if fut.running(): ...``. Any thread."""
        return self._state is not _FINISHED

    # ---- reading ---------------------------------------------------------------------------
    def done(self) -> bool:
        """True once the future has a result or an exception.

        Example: ``if fut.done(): match = fut.result()``. Any thread.
        """
        return self._state is _FINISHED

    def result(self, timeout: float | None = None) -> T:
        """Wait for the reply and return its value, or raise its error.

        ``timeout=None`` waits until the socket's request timeout for this request has passed, then fails
        the future with :class:`RequestTimeout`. A number waits at most that long and raises
        RequestTimeout without changing the future (the reply may still come).
        Example: ``match = socket.create_match_nowait().result()``. Any thread but the socket's reader
        thread (a handler running there must use callbacks instead: waiting would deadlock, so it raises
        :class:`UsageError`, a ``RuntimeError``, at once).
        """
        if self._state is not _FINISHED:
            self._wait(timeout)
        if self._exc is not None:
            raise self._exc
        return self._result  # type: ignore[no-any-return]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Wait like :meth:`result`, then return the error (``None`` on success) instead of raising it.

        Example: ``if fut.exception() is not None: ...``. Same threads as :meth:`result`.
        """
        if self._state is not _FINISHED:
            self._wait(timeout)
        return self._exc

    def add_done_callback(self, fn: Callable[[SocketFuture[T]], Any]) -> None:  # type: ignore[override]
        """Call ``fn(future)`` once the future is done (also when it already is).

        With ``use_main_thread=True`` the call happens inside a later ``socket.poll()`` on the game's
        thread; with ``use_main_thread=False`` on the thread that completes the future (normally the
        reader thread), or right away on the calling thread if it is already done.
        Example: ``fut.add_done_callback(lambda f: print(f.exception()))``. Any thread.
        """
        with self._lock:
            if self._state is not _FINISHED:
                if self._callbacks is None:
                    self._callbacks = []
                self._callbacks.append(fn)
                return
        self._schedule(fn, self)

    # ---- only the socket completes it -------------------------------------------------------------
    def set_result(self, result: T) -> NoReturn:
        """Refused with :class:`UsageError`: the socket's reader thread completes the future. Any thread."""
        raise UsageError("a SocketFuture is completed by its socket, not by set_result()")

    def set_exception(self, exception: BaseException | None) -> NoReturn:
        """Refused with :class:`UsageError` (see :meth:`set_result`). Any thread."""
        raise UsageError("a SocketFuture is completed by its socket, not by set_exception()")

    def set_running_or_notify_cancel(self) -> NoReturn:
        """Refused with :class:`UsageError`: the request is already running. Any thread."""
        raise UsageError("a SocketFuture is already running; it is not an executor's work item")

    # ---- internals (socket side) -------------------------------------------------------------
    def _wait(self, timeout: float | None) -> None:
        if _get_ident() in READER_IDENTS:
            raise UsageError(f"blocking on a socket reply ({self._request}) from the socket's reader "
                               "thread would deadlock; use the *_nowait form with add_done_callback")
        if timeout is None:
            if not self._wait_done(self._deadline - time.monotonic()):
                self._set(None, RequestTimeout(f"no reply to {self._request} within the request timeout"))
        elif not self._wait_done(timeout):
            raise RequestTimeout(f"no reply to {self._request} within {timeout} s")

    def _wait_done(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for _set(); True once done (as ``Event.wait``)."""
        waiter = self._waiter
        if waiter.acquire(True, max(0.0, timeout)):
            waiter.release()   # pass it on to the next waiting thread
        return self._state is _FINISHED

    def _set(self, result: Any, exc: BaseException | None) -> bool:
        """Complete the future once; later calls do nothing. Returns whether this call completed it."""
        with self._lock:
            if self._state is _FINISHED:
                return False
            self._result = result
            self._exc = exc
            callbacks, self._callbacks = self._callbacks, None
            self._state = _FINISHED
            self._waiter.release()
            if self._waiters:
                for cf_waiter in self._waiters:
                    if exc is None:
                        cf_waiter.add_result(self)
                    else:
                        cf_waiter.add_exception(self)
        if callbacks:
            for fn in callbacks:
                self._schedule(fn, self)
        return True

    def _resolve_reply(self, envelope: dict[str, Any]) -> None:
        """Complete from a reply envelope (runs on the reader thread)."""
        error = envelope.get("error")
        if error is not None:
            try:
                exc: BaseException = error_from_wire(error)
            except ValueError as bad:  # a malformed error payload
                exc = SocketError(SocketError.UNRECOGNIZED_PAYLOAD, f"malformed error reply: {bad!r}")
            self._set(None, exc)
            return
        payload = envelope.get(self._reply_key) if self._reply_key else None
        try:
            value = self._parse(payload) if self._parse is not None else payload
        except Exception as bad:  # noqa: BLE001 - any parser failure means a malformed reply
            err = SocketError(SocketError.UNRECOGNIZED_PAYLOAD, f"malformed reply to {self._request}: {bad!r}")
            err.__cause__ = bad
            self._set(None, err)
            return
        self._set(value, None)

    def _expired(self, now: float) -> bool:
        return now >= self._deadline

