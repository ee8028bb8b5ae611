"""Memory: bytes per queued event (tracemalloc) and the resident memory of an idle connected socket.

Queued events: a ``use_main_thread=True`` Socket receives N match_data frames without ``poll()``; a
``ping()`` sent after the blast is answered only after every blast frame (see _wsserver.py), so when it
returns the reader has queued all N. References in the same run: N raw frame strings, and N
``json.loads`` dicts. After draining with ``poll()``, what is still allocated is reported too.

Resident memory: a fresh child process imports everything, then opens 1 (and then 10) connections to an
idle blast server; the RSS growth is reported for the Socket and for a bare websocket-client.
"""
from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
import tracemalloc
from typing import Any

from ._harness import (
    HERE,
    BlastServer,
    Context,
    NotAvailable,
    Row,
    close_socket,
    fake_token,
    open_socket,
    require_socket,
    rss_bytes,
)
from ._wsserver import match_data_text

BENCH = "memory"


def _traced(build: Any) -> tuple[float, Any]:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, kept


def _queued_event_bytes(n: int) -> tuple[float, float]:
    """(bytes per queued event, bytes per event still allocated after draining)."""
    require_socket()
    with BlastServer(n) as srv:
        sock = open_socket(srv.port, fake_token())
        count = [0]

        def on_state(sender: Any, event: Any = None, **kwargs: Any) -> None:
            count[0] += 1
        sock.received_match_state.connect(on_state, weak=False)
        try:
            gc.collect()
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            srv.go()
            sock.ping()
            gc.collect()
            queued = tracemalloc.get_traced_memory()[0] - base
            deadline = time.monotonic() + 60
            while count[0] < n and time.monotonic() < deadline:
                sock.poll(timeout=0.05)
            gc.collect()
            left = tracemalloc.get_traced_memory()[0] - base
            tracemalloc.stop()
            srv.sent()
            if count[0] != n:
                raise RuntimeError(f"delivered {count[0]} of {n} queued events")
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            close_socket(sock)
    return queued / n, left / n


def _child(mode: str, port: int) -> dict[str, int]:
    """Runs in a fresh process: RSS before, after 1 and after 10 idle connections."""
    import websocket

    import nakama_sync  # noqa: F401 - imported before the first measurement on purpose
    url = f"ws://127.0.0.1:{port}/ws?lang=en&status=true&token={fake_token()}&format=json"
    conns: list[Any] = []

    def connect() -> None:
        if mode == "socket":
            conns.append(open_socket(port, fake_token()))
        else:
            conns.append(websocket.create_connection(url, timeout=10))
    # one throw-away connection so that lazy imports and first-use caches are not counted
    connect()
    (close_socket(conns.pop()) if mode == "socket" else conns.pop().close())
    gc.collect()
    before = rss_bytes()
    connect()
    gc.collect()
    one = rss_bytes()
    for _ in range(9):
        connect()
    gc.collect()
    ten = rss_bytes()
    for c in conns:
        (close_socket(c) if mode == "socket" else c.close())
    return {"before": before, "one": one, "ten": ten}


def _rss(mode: str) -> dict[str, int]:
    with BlastServer(0) as srv:
        out = subprocess.run([sys.executable, "-m", "benchmarks.bench_memory", "--child", mode, "--port",
                              str(srv.port)], cwd=HERE + "/..", capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"rss child failed: {out.stderr.strip()[-300:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    n = ctx.sizes.mem_frames
    frame = match_data_text(64).decode()
    raw_bytes, _ = _traced(lambda: [frame.encode().decode() for _ in range(n)])
    dict_bytes, _ = _traced(lambda: [json.loads(frame) for _ in range(n)])
    rows = [Row(BENCH, "reference: raw frame str per event", raw_bytes / n, "B/event"),
            Row(BENCH, "reference: json.loads dict per event (floor)", dict_bytes / n, "B/event", 1.0)]
    try:
        per_event, left = _queued_event_bytes(n)
        rows.append(Row(BENCH, "Socket queued MatchData event", per_event, "B/event", (dict_bytes / n) / per_event))
        rows.append(Row(BENCH, "Socket still allocated after poll() drained", left, "B/event",
                        note="~0 means no leak"))
    except NotAvailable as exc:
        rows.append(Row(BENCH, "Socket queued MatchData event", None, "B/event", note=f"n/a: {exc}"))
    modes = ["bare"]
    try:
        require_socket()
        modes.append("socket")
    except NotAvailable as exc:
        rows.append(Row(BENCH, "Socket idle RSS", None, "KiB", note=f"n/a: {exc}"))
    floor = None
    for mode in modes:
        r = _rss(mode)
        one = (r["one"] - r["before"]) / 1024
        each = (r["ten"] - r["before"]) / 10 / 1024
        label = "bare ws-client connection (floor)" if mode == "bare" else "Socket (connected, idle)"
        if floor is None:
            floor = each
        rows.append(Row(BENCH, f"RSS growth, first {label}", one, "KiB"))
        rows.append(Row(BENCH, f"RSS growth per {label}, mean of 10", each, "KiB",
                        note="" if mode == "bare" else f"{each - floor:+.1f} KiB vs bare"))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True, choices=["bare", "socket"])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(_child(args.child, args.port)))
