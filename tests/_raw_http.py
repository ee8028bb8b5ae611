"""Hostile raw HTTP servers on loopback for client tests: one that never answers, one that trickles.

Each runs one accept thread; every connection gets its own thread. ``close()`` closes the listening
socket and every connection, and joins the threads (bounded).
"""
from __future__ import annotations

import socket
import threading
from typing import Any


class RawServer:
    """Accepts connections on 127.0.0.1:<free port> and hands each to ``self.serve(conn)``."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._got_request = threading.Condition(self._lock)
        self.requests = 0   # connections that sent a whole request head
        self._accepter = threading.Thread(target=self._accept, name="test-raw-http", daemon=True)
        self._accepter.start()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._stop.is_set():
                    conn.close()
                    return
                self._conns.append(conn)
                thread = threading.Thread(target=self._serve_conn, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve_conn(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            with self._lock:
                self.requests += 1
                self._got_request.notify_all()
            self.serve(conn)
        except OSError:
            return

    def wait_requests(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` request heads have arrived; AssertionError after ``timeout`` seconds."""
        with self._lock:
            arrived = self._got_request.wait_for(lambda: self.requests >= count, timeout)
        assert arrived, f"the server got {self.requests} of {count} requests"

    def serve(self, conn: socket.socket) -> None:
        """Answer one request (the head is read). The default: never answer."""
        self._stop.wait()

    def close(self) -> None:
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)   # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
        self._accepter.join(5)
        for thread in threads:
            thread.join(5)


class FrozenServer(RawServer):
    """Reads requests and never answers (a frozen process whose TCP stack is still up)."""


class TrickleServer(RawServer):
    """Answers ``200 {}`` (a valid reply) one byte every ``interval`` seconds.

    ``outcomes`` gets one entry per connection when its serving ends: ``"whole"`` (every byte of the
    reply was sent), ``"cut"`` (the client hung up first) or ``"stopped"`` (the server was closed).
    """

    def __init__(self, interval: float, body: bytes = b"{}") -> None:
        self.interval = interval
        self.body = body
        self.reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.outcomes: list[str] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        outcome = "whole"
        try:
            for i in range(len(self.reply)):
                if self._stop.wait(self.interval):
                    outcome = "stopped"
                    return
                conn.sendall(self.reply[i:i + 1])
        except OSError:   # the client closed the connection: the rest of the reply cannot go out
            outcome = "cut"
        finally:
            with self._lock:
                self.outcomes.append(outcome)
                self._got_request.notify_all()

    def wait_outcomes(self, count: int, timeout: float = 10.0) -> list[str]:
        """The outcomes once ``count`` connections have ended; AssertionError after ``timeout`` seconds."""
        with self._lock:
            ended = self._got_request.wait_for(lambda: len(self.outcomes) >= count, timeout)
            outcomes = list(self.outcomes)
        assert ended, f"{len(outcomes)} of {count} connections ended: {outcomes}"
        return outcomes


class FixedReplyServer(RawServer):
    """Answers every request with ``status`` and ``body`` at once (keeps the connection open)."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body = body
        self.status = status
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nContent-Length: "
                     f"{len(self.body)}\r\nConnection: close\r\n\r\n".encode() + self.body)
