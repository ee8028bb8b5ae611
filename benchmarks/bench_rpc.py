"""Socket request round trips against the dev server: ``rpc("echo")`` and ``ping``, p50/p99.

The floor is a bare websocket-client request/response loop on the same server in the same run: send
the envelope with a cid, ``recv()`` until the reply with that cid. Bare and Socket calls alternate in
blocks so that drift on the machine hits both alike.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ._harness import (
    Context,
    NotAvailable,
    Row,
    close_socket,
    dev_session,
    dev_ws_url,
    open_socket,
    percentile,
    require_socket,
)

BENCH = "socket round trip"
PAYLOAD = '{"hello":"world","n":12345}'
_BLOCKS = 4


def _bare_caller(ws: Any, kind: str) -> Callable[[int], None]:
    def call(i: int) -> None:
        cid = str(i)
        if kind == "rpc":
            ws.send(json.dumps({"cid": cid, "rpc": {"id": "echo", "payload": PAYLOAD}}))
        else:
            ws.send(json.dumps({"cid": cid, "ping": {}}))
        while True:
            reply = json.loads(ws.recv())
            if reply.get("cid") == cid:
                if "error" in reply:
                    raise RuntimeError(f"bare {kind} failed: {reply['error']}")
                return
    return call


def _measure(calls: int, bare: Callable[[int], None], sock_call: Callable[[int], None] | None
             ) -> tuple[list[float], list[float]]:
    bare_t: list[float] = []
    sock_t: list[float] = []
    warm = max(5, calls // 20)
    for i in range(warm):
        bare(i)
        if sock_call:
            sock_call(i)
    per_block = max(1, calls // _BLOCKS)
    clock = time.perf_counter_ns
    i = warm
    for _ in range(_BLOCKS):
        for fn, out in ((bare, bare_t), (sock_call, sock_t)):
            if fn is None:
                continue
            for _ in range(per_block):
                i += 1
                t0 = clock()
                fn(i)
                out.append((clock() - t0) / 1000.0)
    return bare_t, sock_t


def run(ctx: Context) -> list[Row]:
    import websocket
    server = ctx.devserver()
    has_rpc = server.call(lambda: "rpc" in server.hub.ws_handlers)
    token, refresh = dev_session(server)
    ws = websocket.create_connection(dev_ws_url(server, token), timeout=30, skip_utf8_validation=True)
    sock = None
    why = ""
    try:
        require_socket()
        sock = open_socket(server.port, token, refresh)
    except NotAvailable as exc:
        why = f"n/a: {exc}"
    rows: list[Row] = []
    try:
        kinds = ["ping"] + (["rpc"] if has_rpc else [])
        for kind in kinds:
            if sock is None:
                sock_call = None
            elif kind == "rpc":
                def sock_call(i: int) -> None:
                    sock.rpc("echo", PAYLOAD)
            else:
                def sock_call(i: int) -> None:
                    sock.ping()
            bare_t, sock_t = _measure(ctx.sizes.rpc_calls, _bare_caller(ws, kind), sock_call)
            label = "rpc echo" if kind == "rpc" else "ping"
            b50, b99 = percentile(bare_t, 50), percentile(bare_t, 99)
            rows.append(Row(BENCH, f"{label}: bare ws-client loop p50 (floor)", b50, "us", 1.0))
            rows.append(Row(BENCH, f"{label}: bare ws-client loop p99", b99, "us", 1.0))
            if sock_t:
                s50, s99 = percentile(sock_t, 50), percentile(sock_t, 99)
                rows.append(Row(BENCH, f"{label}: Socket p50", s50, "us", b50 / s50,
                                goal="p50 <= 1.10 x bare" if kind == "rpc" else "", ok=(s50 <= 1.1 * b50)
                                if kind == "rpc" else None))
                rows.append(Row(BENCH, f"{label}: Socket p99", s99, "us", b99 / s99))
            else:
                rows.append(Row(BENCH, f"{label}: Socket", None, "us", note=why))
        if not has_rpc:
            rows.append(Row(BENCH, "rpc echo", None, "us", note="n/a: the dev server has no socket rpc handler"))
    finally:
        ws.close(timeout=2)
        if sock is not None:
            close_socket(sock)
    return rows
