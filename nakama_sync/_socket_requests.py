"""The request table of one connection: cid → the :class:`SocketFuture` waiting for its reply.

Surface: ``add(cid, future) -> reason | None``, ``pop(cid)``, ``expire(now)``, ``fail_all(reason)``.
After ``fail_all`` the table is closed: ``add`` refuses (returns the reason) so that no request can wait
on a connection that is gone. Thread safety: ``add``/``fail_all`` from any thread (a lock orders them);
``pop`` is one atomic dict operation (the reader thread's hot path takes no lock).
"""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from ._future import SocketFuture
from ._socket_codec import encode, reply_decoder
from .exceptions import ConnectionClosed, RequestTimeout

__all__ = ["Outbox", "RequestMethods", "RequestTable"]


class RequestTable:
    """The requests waiting for a reply on one connection. Example::

        table = RequestTable()
        table.add("1", future)          # None: it waits; else the reason the connection ended
        table.pop("1")._resolve_reply(envelope)
    """

    __slots__ = ("_lock", "_pending", "closed_reason")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, SocketFuture[Any]] = {}
        self.closed_reason: str | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, cid: str, future: SocketFuture[Any]) -> str | None:
        """Register ``future`` under ``cid``; returns None, or the reason when the table is closed."""
        with self._lock:
            reason = self.closed_reason
            if reason is None:
                self._pending[cid] = future
            return reason

    def pop(self, cid: Any) -> SocketFuture[Any] | None:
        """Take the future of ``cid`` out (None if unknown, expired or already answered)."""
        return self._pending.pop(cid, None) if type(cid) is str else None

    def expire(self, now: float) -> None:
        """Fail with RequestTimeout the requests whose timeout has passed (reader thread, between frames)."""
        if not self._pending:
            return
        with self._lock:
            pending = self._pending
            expired = [cid for cid, fut in pending.items() if fut.done() or fut._expired(now)]
            futures = [pending.pop(cid) for cid in expired]
        for fut in futures:
            fut._set(None, RequestTimeout(f"no reply to {fut._request} within the request timeout"))

    def fail_all(self, reason: str) -> None:
        """Close the table and fail every waiting request with ConnectionClosed(reason). Idempotent."""
        with self._lock:
            if self.closed_reason is None:
                self.closed_reason = reason
            pending, self._pending = self._pending, {}
        for future in pending.values():
            future._set(None, ConnectionClosed(reason))


class Outbox:
    """The socket's send side: request → frame → the live connection, with its cid and future.

    Given by the Socket: ``live()`` (the open ``(connection, table)`` or None), ``schedule`` (where
    done-callbacks run), ``buffer(frame) -> bool`` (the reconnector's send buffer), ``track(key, body,
    parse)`` (wraps the parser to remember state for a reconnect) and ``not_open()`` (why there is no
    connection). Thread safety: any thread.
    """

    def __init__(self, live: Callable[[], Any], schedule: Callable[[Any, Any], None],
                 buffer: Callable[[bytes], bool], track: Callable[[str, dict[str, Any], Any], Any],
                 not_open: Callable[[], str], request_timeout: float, max_message_size: int | None) -> None:
        self._live = live
        self._schedule = schedule
        self._buffer = buffer
        self._track = track
        self._not_open = not_open
        self.request_timeout = request_timeout
        self.max_message_size = max_message_size
        self._cids = itertools.count(1)

    def request(self, key: str, body: dict[str, Any], reply: type[Any] | None,
                reply_key: str | None) -> SocketFuture[Any]:
        """Send ``{"cid": <new>, key: body}``; the future gets the decoded ``reply`` (see RequestMethods)."""
        cid = str(next(self._cids))
        frame = encode({"cid": cid, key: body}, self.max_message_size)   # ValueError before anything is sent
        parse = self._track(key, body, reply_decoder(reply))
        future: SocketFuture[Any] = SocketFuture(key, self.request_timeout, self._schedule, parse, reply_key)
        live = self._live()
        if live is None:
            future._set(None, ConnectionClosed(self._not_open()))
            return future
        conn, table = live
        reason = table.add(cid, future)
        if reason is not None:
            future._set(None, ConnectionClosed(reason))
            return future
        try:
            conn.send(frame)
        except ConnectionClosed as exc:
            table.pop(cid)
            future._set(None, exc)
        return future

    def send(self, key: str, body: dict[str, Any]) -> None:
        """Fire-and-forget ``{key: body}``. Raises ConnectionClosed when it cannot go (after at most the
        socket's ``send_timeout``), ValueError when too big."""
        frame = encode({key: body}, self.max_message_size)
        if self._buffer(frame):
            return
        live = self._live()
        if live is None:
            raise ConnectionClosed(self._not_open())
        live[0].send(frame)


class RequestMethods:
    """Base of the socket's request methods (``_socket_realtime``, ``_socket_party``): they validate their
    arguments, build the body and hand it to the :class:`Outbox` given here. Contract::

        self._request(key, body, reply_model | None, reply_key | None) -> SocketFuture
            the future gets the strictly decoded reply (None for an empty ack), or SocketError (error
            reply, or a reply that is malformed), ConnectionClosed, RequestTimeout.
        self._send(key, body) -> None    fire-and-forget
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def _request(self, key: str, body: dict[str, Any], reply: type[Any] | None = None,
                 reply_key: str | None = None) -> SocketFuture[Any]:
        return self._outbox.request(key, body, reply, reply_key)

    def _send(self, key: str, body: dict[str, Any]) -> None:
        self._outbox.send(key, body)
