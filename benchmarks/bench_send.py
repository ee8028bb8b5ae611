"""Send path: match-state sends per second, from one thread and from four, delivered to the server.

The sink is the blast server (it counts every frame it reads); the clock stops when it has read all of
them. The floor is a bare websocket-client (``enable_multithread=True``, as four threads need) that
encodes the same ``match_data_send`` envelope (JSON + base64) for every send.
"""
from __future__ import annotations

import base64
import json
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
from ._wsserver import MATCH_ID

BENCH = "send"
DATA = bytes(range(64))


def _blast_sends(srv: BlastServer, total: int, threads: int, send_one: Callable[[], None]) -> float:
    per_thread = total // threads
    total = per_thread * threads
    base = srv.wait_received(0, 1.0)
    barrier = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            for _ in range(per_thread):
                send_one()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=worker, name=f"bench-send-{i}", daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join(120)
    got = srv.wait_received(base + total, 60.0) - base
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    if got < total:
        raise RuntimeError(f"server got {got} of {total} frames")
    return total / elapsed


def _bare(srv: BlastServer, total: int, threads: int) -> float:
    import websocket
    ws = websocket.create_connection(srv.url, timeout=30, skip_utf8_validation=True, enable_multithread=True)
    dumps = json.dumps

    def send_one() -> None:
        ws.send(dumps({"match_data_send": {"match_id": MATCH_ID, "op_code": "1",
                                           "data": base64.b64encode(DATA).decode("ascii")}},
                      separators=(",", ":")))
    try:
        return _blast_sends(srv, total, threads, send_one)
    finally:
        ws.close(timeout=2)


def _socket(srv: BlastServer, total: int, threads: int) -> float:
    require_socket()
    sock: Any = open_socket(srv.port, fake_token())

    def send_one() -> None:
        sock.send_match_state(MATCH_ID, 1, DATA)
    try:
        return _blast_sends(srv, total, threads, send_one)
    finally:
        close_socket(sock)


def run(ctx: Context) -> list[Row]:
    total = ctx.sizes.sends
    rows: list[Row] = []
    for threads in (1, 4):
        floor = None
        for name, fn in (("bare ws-client (floor)", _bare), ("Socket.send_match_state", _socket)):
            variant = f"{name}, {threads} thread{'s' if threads > 1 else ''}"
            try:
                with BlastServer(0) as srv:
                    rate = max(fn(srv, total, threads) for _ in range(ctx.sizes.repeats))
            except NotAvailable as exc:
                rows.append(Row(BENCH, variant, None, "msg/s", note=f"n/a: {exc}"))
                continue
            if floor is None:
                floor = rate
            rows.append(Row(BENCH, variant, rate, "msg/s", rate / floor))
            ctx.log(f"  {BENCH}: {variant}: {rate:,.0f} msg/s")
    return rows
