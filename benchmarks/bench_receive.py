"""Receive path: match_data frames per second delivered to a handler, against bare-client floors.

Every variant reads the same pre-encoded frames from the same blast server process (``_wsserver.py``),
best of ``sizes.repeats`` blasts on one connection. Floors:

- ``ws-client fastest``: websocket-client with tuned options and a user-space read buffer under it
  (websocket-client asks the kernel for 2, 2, then n bytes per frame; the buffer turns that into one
  ``recv`` per 256 KiB);
- ``ws-client tuned``: ``skip_utf8_validation``, ``enable_multithread=False``, ``recv_data()``, 4 MiB
  SO_RCVBUF;
- ``ws-client default``: ``create_connection(url)`` and ``recv()``;
- ``ws-client reader thread -> SimpleQueue -> main thread``: the Socket's shape without its decoding;
- ``websockets asyncio``: the ``websockets`` package (``pip install .[bench]``), ``await ws.recv()``.
"""
from __future__ import annotations

import asyncio
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ._harness import (
    BlastServer,
    Context,
    NotAvailable,
    Row,
    close_socket,
    fake_token,
    open_socket,
    require_socket,
)

BENCH = "receive"
_RCVBUF = 4 << 20


class BufferedSock:
    """A socket proxy that reads 256 KiB at a time and serves websocket-client's small reads from memory.

    Example: ``ws.sock = BufferedSock(ws.sock)`` right after ``create_connection``. Same thread as ``ws``.
    """

    def __init__(self, sock: socket.socket, size: int = 256 * 1024) -> None:
        self._sock = sock
        self._size = size
        self._buf = b""
        self._pos = 0
        self.recv_calls = 0

    def recv(self, n: int) -> bytes:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            self.recv_calls += 1
            buf = self._sock.recv(self._size)
            if not buf:
                return buf
            pos = 0
        end = pos + n
        self._buf, self._pos = buf, end
        return buf[pos:end]

    def __getattr__(self, name: str) -> Any:  # send, settimeout, fileno, close, ...
        return getattr(self._sock, name)


def _ws_connect(url: str, tuned: bool) -> Any:
    import websocket
    if not tuned:
        ws = websocket.create_connection(url, timeout=30)
    else:
        ws = websocket.create_connection(url, timeout=30, skip_utf8_validation=True, enable_multithread=False,
                                         sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF),))
    return ws


def _run_blasts(srv: BlastServer, repeats: int, receive: Callable[[int], int],
                prepare: Callable[[int], None] | None = None) -> tuple[float, str]:
    """Best rate over ``repeats`` blasts; ``prepare(n)`` runs before each blast starts (reset counters
    there: a reader thread may count frames before ``receive`` starts); ``receive(n)`` returns how many
    frames it got."""
    rates = []
    note = ""
    for _ in range(repeats):
        if prepare is not None:
            prepare(srv.count)
        t0 = time.perf_counter()
        srv.go()
        got = receive(srv.count)
        elapsed = time.perf_counter() - t0
        if got != srv.count:
            note = f"incomplete: {got} of {srv.count}"
            break
        srv.sent()
        rates.append(srv.count / elapsed)
    return (max(rates) if rates else 0.0), note


def _bare(srv: BlastServer, repeats: int, variant: str) -> tuple[float, str]:
    tuned = variant != "default"
    ws = _ws_connect(srv.url, tuned)
    try:
        if variant == "fastest":
            ws.sock = BufferedSock(ws.sock)
        if variant == "default":
            def receive(n: int) -> int:
                recv = ws.recv
                for _ in range(n):
                    recv()
                return n
        else:
            def receive(n: int) -> int:
                recv_data = ws.recv_data
                for _ in range(n):
                    recv_data()
                return n
        return _run_blasts(srv, repeats, receive)
    finally:
        ws.close(timeout=2)


def _bare_threaded(srv: BlastServer, repeats: int) -> tuple[float, str]:
    """A reader thread doing recv_data() into a SimpleQueue; the main thread takes them off."""
    ws = _ws_connect(srv.url, tuned=True)
    q: queue.SimpleQueue[Any] = queue.SimpleQueue()
    stop = threading.Event()

    def reader() -> None:
        recv_data, put = ws.recv_data, q.put
        try:
            while not stop.is_set():
                put(recv_data()[1])
        except Exception:  # noqa: BLE001
            put(None)

    thread = threading.Thread(target=reader, name="bench-reader", daemon=True)
    thread.start()
    try:
        def receive(n: int) -> int:
            get = q.get
            for i in range(n):
                if get(timeout=30) is None:
                    return i
            return n
        return _run_blasts(srv, repeats, receive)
    finally:
        stop.set()
        ws.close(timeout=2)
        thread.join(5)


def _websockets(srv: BlastServer, repeats: int) -> tuple[float, str]:
    try:
        from websockets.asyncio.client import connect
    except ImportError as exc:
        raise NotAvailable("websockets is not installed (pip install '.[bench]')") from exc

    async def main() -> tuple[float, str]:
        async with connect(srv.url, max_size=None, compression=None, ping_interval=None) as ws:
            rates = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                srv.go()
                recv = ws.recv
                for _ in range(srv.count):
                    await recv()
                rates.append(srv.count / (time.perf_counter() - t0))
                srv.sent()
            return max(rates), ""
    return asyncio.run(main())


def _socket(srv: BlastServer, repeats: int, mode: str) -> tuple[float, str]:
    require_socket()
    threaded = mode == "thread"
    sock = open_socket(srv.port, fake_token(), use_main_thread=not threaded)
    count = [0]
    done = threading.Event()
    target = [0]

    def on_state(sender: Any, event: Any = None, **kwargs: Any) -> None:
        count[0] += 1
        if count[0] >= target[0]:
            done.set()

    sock.received_match_state.connect(on_state, weak=False)
    try:
        def prepare(n: int) -> None:
            count[0] = 0
            target[0] = n
            done.clear()

        def receive(n: int) -> int:
            deadline = time.monotonic() + 60
            if threaded:
                done.wait(60)
            elif mode == "busy":
                poll = sock.poll
                while count[0] < n:
                    poll()
                    if not count[0] & 0x3FF and time.monotonic() > deadline:
                        break
            else:
                poll = sock.poll
                while count[0] < n and time.monotonic() < deadline:
                    poll(timeout=0.05)
            return count[0]
        return _run_blasts(srv, repeats, receive, prepare)
    finally:
        sock.received_match_state.disconnect(on_state)
        close_socket(sock)


def run(ctx: Context) -> list[Row]:
    n = ctx.sizes.frames
    reps = ctx.sizes.repeats
    rows: list[Row] = []
    variants: list[tuple[str, Callable[[BlastServer], tuple[float, str]]]] = [
        ("ws-client fastest (tuned + 256 KiB read buffer)", lambda s: _bare(s, reps, "fastest")),
        ("ws-client tuned (floor)", lambda s: _bare(s, reps, "tuned")),
        ("ws-client default options", lambda s: _bare(s, reps, "default")),
        ("ws-client reader thread -> SimpleQueue -> main", lambda s: _bare_threaded(s, reps)),
        ("websockets asyncio", lambda s: _websockets(s, reps)),
        ("Socket poll() busy loop", lambda s: _socket(s, reps, "busy")),
        ("Socket poll(timeout=0.05) loop", lambda s: _socket(s, reps, "wait")),
        ("Socket use_main_thread=False", lambda s: _socket(s, reps, "thread")),
    ]
    results: dict[str, float] = {}
    for name, fn in variants:
        with BlastServer(n) as srv:
            try:
                rate, note = fn(srv)
            except NotAvailable as exc:
                rows.append(Row(BENCH, name, None, "msg/s", note=f"n/a: {exc}"))
                continue
            except Exception as exc:  # noqa: BLE001
                rows.append(Row(BENCH, name, None, "msg/s", note=f"failed: {exc!r}"[:200]))
                continue
        results[name] = rate
        rows.append(Row(BENCH, name, rate, "msg/s", note=note))
        ctx.log(f"  {BENCH}: {name}: {rate:,.0f} msg/s {note}")
    tuned = results.get("ws-client tuned (floor)")
    fastest = results.get("ws-client fastest (tuned + 256 KiB read buffer)")
    for row in rows:
        if row.value is None or not tuned:
            continue
        row.ratio = row.value / tuned
        if row.variant.startswith("Socket"):
            row.goal = ">= 0.50 x tuned floor"
            row.ok = row.ratio >= 0.5
            if fastest:
                row.note = (row.note + f" {row.value / fastest:.2f} x fastest").strip()
    return rows
