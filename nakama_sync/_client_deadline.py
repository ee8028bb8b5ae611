"""A deadline for each whole attempt of an HTTP request, and aborting attempts under way (internal).

requests (urllib3, http.client) applies its timeout to each socket operation, so a server that answers
one byte at a time keeps a request alive for ever. Here each connection's socket hands http.client a
reader whose every read waits at most until the running attempt's deadline (kept in a thread-local),
so the whole reply must arrive in time. No extra thread is involved.

``Attempts`` also remembers the connection of every attempt under way, so ``Client.close()`` can shut
their sockets: a call blocked on a frozen server ends at once.
"""
from __future__ import annotations

import io
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Attempt", "Attempts", "DeadlineAdapter"]

_local = threading.local()   # .attempt: the Attempt running on this thread, if any


class Attempt:
    """One attempt of a request: its deadline, and its connection once known."""

    __slots__ = ("aborted", "conn", "deadline", "expired")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: HTTPConnection | None = None
        self.expired = False    # a read hit the deadline
        self.aborted = False    # close() shut its socket


class Attempts:
    """The attempts under way on one transport. Thread safety: any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: set[Attempt] = set()

    def start(self, timeout: float) -> Attempt:
        """Begin an attempt on this thread, due ``timeout`` seconds from now."""
        attempt = Attempt(time.monotonic() + timeout)
        with self._lock:
            self._active.add(attempt)
        _local.attempt = attempt
        return attempt

    def finish(self, attempt: Attempt) -> None:
        _local.attempt = None
        with self._lock:
            self._active.discard(attempt)

    def abort_all(self) -> None:
        """Shut the socket of every attempt under way (their reads end at once)."""
        with self._lock:
            active = list(self._active)
        for attempt in active:
            attempt.aborted = True
            sock = attempt.conn.sock if attempt.conn is not None else None
            if sock is not None:
                try:
                    socket.socket.shutdown(_raw(sock), socket.SHUT_RDWR)
                except OSError:
                    pass


def _raw(sock: Any) -> Any:
    return sock._sock if isinstance(sock, _DeadlineSocket) else sock


class _DeadlineReader(socket.SocketIO):
    """What ``makefile("rb")`` returns: reads that never wait past the running attempt's deadline."""

    def readinto(self, buffer: Any) -> int | None:
        attempt: Attempt | None = getattr(_local, "attempt", None)
        if attempt is not None:
            remaining = attempt.deadline - time.monotonic()
            if remaining <= 0:
                attempt.expired = True
                raise TimeoutError("the attempt's deadline has passed")
            # never more than the per-read timeout urllib3 set: the deadline is start + that timeout
            self._sock.settimeout(remaining)  # type: ignore[attr-defined]
        try:
            return super().readinto(buffer)
        except TimeoutError:
            if attempt is not None and time.monotonic() >= attempt.deadline:
                attempt.expired = True
            raise


class _DeadlineSocket:
    """A connection's socket whose ``makefile("rb")`` gives a deadline-aware reader; all else as is."""

    __slots__ = ("_sock",)

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def makefile(self, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode != "rb":
            return self._sock.makefile(mode, *args, **kwargs)  # type: ignore[call-overload]
        # as socket.makefile does: the socket stays open until this reader is closed too
        self._sock._io_refs += 1  # type: ignore[attr-defined]
        return io.BufferedReader(_DeadlineReader(self._sock, "rb"))


def _note_connection(conn: HTTPConnection) -> None:
    attempt: Attempt | None = getattr(_local, "attempt", None)
    if attempt is not None:
        attempt.conn = conn


class _Deadlines(HTTPConnection):
    """Put first in a connection class's bases: its socket reads under deadlines, its attempts are noted."""

    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)  # type: ignore[assignment]

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _note_connection(self)
        super().request(*args, **kwargs)


class _DeadlineConnection(_Deadlines, HTTPConnection):
    pass


class _DeadlineTlsConnection(_Deadlines, HTTPSConnection):
    pass


class _DeadlinePool(HTTPConnectionPool):
    ConnectionCls = _DeadlineConnection


class _DeadlineTlsPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineTlsConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections read under the running attempt's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _DeadlinePool, "https": _DeadlineTlsPool}
