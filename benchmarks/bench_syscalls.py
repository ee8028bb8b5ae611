"""System calls per received frame, counted with ``strace -c -f`` (skipped when strace is missing).

A child process connects to a blast server that starts sending right after the upgrade and receives
every frame; it runs twice, for a small and a big blast, and the difference in system calls divided
by the difference in frames is the per-frame cost (start-up and imports cancel out).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
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
    socket_available,
)

BENCH = "syscalls per frame"
MODES = {"bare-tuned": "ws-client tuned (floor)", "bare-fastest": "ws-client + 256 KiB read buffer",
         "socket-poll": "Socket poll(timeout=0.05)", "socket-thread": "Socket use_main_thread=False"}


def _child(mode: str, port: int, frames: int) -> None:
    if mode.startswith("bare"):
        from .bench_receive import BufferedSock, _ws_connect
        ws = _ws_connect(f"ws://127.0.0.1:{port}/ws?token={fake_token()}", tuned=True)
        if mode == "bare-fastest":
            ws.sock = BufferedSock(ws.sock)
        for _ in range(frames):
            ws.recv_data()
        ws.close(timeout=2)
        return
    count = [0]
    sock: Any = open_socket(port, fake_token(), use_main_thread=mode == "socket-poll")
    import threading
    done = threading.Event()

    def on_state(sender: Any, event: Any = None, **kwargs: Any) -> None:
        count[0] += 1
        if count[0] >= frames:
            done.set()
    sock.received_match_state.connect(on_state, weak=False)
    deadline = time.monotonic() + 120
    if mode == "socket-poll":
        while count[0] < frames and time.monotonic() < deadline:
            sock.poll(timeout=0.05)
    else:
        done.wait(120)
    close_socket(sock)


def _strace(mode: str, frames: int) -> dict[str, int]:
    with BlastServer(frames, auto_go=True) as srv, tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "strace.txt")
        cmd = ["strace", "-f", "-c", "-o", out, sys.executable, "-m", "benchmarks.bench_syscalls", "--child", mode,
               "--port", str(srv.port), "--frames", str(frames)]
        proc = subprocess.run(cmd, cwd=HERE + "/..", capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"strace child failed: {proc.stderr.strip()[-300:]}")
        with open(out) as f:
            return _parse(f.read())


def _parse(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or not parts[-1].isidentifier() or parts[-1] == "syscall":
            continue
        try:
            float(parts[0])
            calls = int(parts[3])
        except ValueError:
            continue
        counts[parts[-1]] = calls
    return counts


def run(ctx: Context) -> list[Row]:
    if shutil.which("strace") is None:
        raise NotAvailable("strace is not installed (apt-get install strace)")
    probe = subprocess.run(["strace", "-f", "-c", "-o", os.devnull, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        raise NotAvailable("strace cannot trace here (ptrace not permitted)")
    big = ctx.sizes.strace_frames
    small = max(1, big // 10)
    rows: list[Row] = []
    floor = None
    why = socket_available()
    for mode, label in MODES.items():
        if mode.startswith("socket") and why:
            rows.append(Row(BENCH, label, None, "calls/frame", note=f"n/a: {why}"))
            continue
        a, b = _strace(mode, small), _strace(mode, big)
        per = {k: (b.get(k, 0) - a.get(k, 0)) / (big - small) for k in set(a) | set(b)}
        per.pop("total", None)
        total = sum(v for v in per.values() if v > 0)
        top = sorted(((v, k) for k, v in per.items() if v >= 0.01), reverse=True)[:4]
        if floor is None:
            floor = total
        rows.append(Row(BENCH, label, total, "calls/frame", (floor / total) if total else None,
                        note=", ".join(f"{k} {v:.2f}" for v, k in top)))
        ctx.log(f"  {BENCH}: {label}: {total:.2f} ({rows[-1].note})")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", required=True, choices=list(MODES))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--frames", type=int, required=True)
    args = parser.parse_args()
    _child(args.child, args.port, args.frames)
