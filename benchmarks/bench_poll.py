"""``poll()`` on an empty queue: nanoseconds per call, next to what an empty pump could cost at best.

Baselines in the same run: an empty function call, a method that checks an empty ``deque`` (the
cheapest possible "anything queued?"), and ``SimpleQueue.get_nowait()`` raising ``Empty`` (what a pump
built on that idiom pays). The Socket is connected (to the blast server, which sends nothing here).
"""
from __future__ import annotations

import collections
import queue
import timeit
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

BENCH = "poll() empty"


def _ns_per_call(fn: Callable[[], Any], calls: int) -> float:
    timer = timeit.Timer("f()", globals={"f": fn})
    per_run = max(1, calls // 5)
    return min(timer.repeat(repeat=5, number=per_run)) / per_run * 1e9


class _DequePump:
    def __init__(self) -> None:
        self._events: collections.deque[Any] = collections.deque()

    def poll(self, timeout: float = 0.0, max_events: int | None = None) -> int:
        if not self._events:
            return 0
        return 1


class _SimpleQueuePump:
    def __init__(self) -> None:
        self._events: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def poll(self, timeout: float = 0.0, max_events: int | None = None) -> int:
        try:
            self._events.get_nowait()
        except queue.Empty:
            return 0
        return 1


def _empty() -> None:
    return None


def run(ctx: Context) -> list[Row]:
    calls = ctx.sizes.poll_calls
    rows = [Row(BENCH, "empty function call (baseline)", _ns_per_call(_empty, calls), "ns/call"),
            Row(BENCH, "method checking an empty deque (floor)", _ns_per_call(_DequePump().poll, calls),
                "ns/call"),
            Row(BENCH, "SimpleQueue.get_nowait() + except Empty", _ns_per_call(_SimpleQueuePump().poll, calls),
                "ns/call")]
    floor = rows[1].value
    try:
        require_socket()
        with BlastServer(0) as srv:
            sock = open_socket(srv.port, fake_token())
            try:
                value = _ns_per_call(sock.poll, calls)
            finally:
                close_socket(sock)
        rows.append(Row(BENCH, "Socket.poll()", value, "ns/call", goal="< 1000 ns", ok=value < 1000))
    except NotAvailable as exc:
        rows.append(Row(BENCH, "Socket.poll()", None, "ns/call", note=f"n/a: {exc}"))
    for row in rows:
        if row.value and floor:
            row.ratio = floor / row.value
    return rows
