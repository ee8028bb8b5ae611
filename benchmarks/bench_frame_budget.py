"""Frame budget: a 60 FPS game loop keeps its frame rate while non-blocking HTTP calls hit a frozen server.

The loop is what a Pygame game does: per frame, some work (a fixed busy spin standing in for update +
draw), ``client.poll()``, then a frame limiter that sleeps until the next 1/60 s tick. Three runs in
the same process, one after the other:

- floor: the loop with no client at all;
- nowait: the loop with a Client whose server (a raw TCP listener in this process) reads requests and
  never answers; every frame starts ``client.healthcheck_nowait()`` and calls ``client.poll()``;
- blocking (for contrast): the same, but one blocking ``client.healthcheck()`` on the first frame, with
  ``Client(timeout=0.5)``: that frame alone lasts the whole deadline.

The floor and nowait runs alternate in blocks (best block kept, as the machine is shared). Reported:
frames per second, the 99th percentile and the longest frame, the share of frames over 1.5x the 16.7 ms
budget (dropped frames at 60 FPS), and the median game-thread time of the per-frame client calls.
No timing is asserted.
"""
from __future__ import annotations

import socket
import threading
import time

from ._harness import Context, Row

BENCH = "frame_budget"
_FPS = 60
_BUDGET = 1.0 / _FPS
_WORK = 0.004   # seconds of simulated update + draw per frame


class _FrozenServer:
    """Accepts connections and reads what comes, never answering."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="bench-frozen-http", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)

    def close(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self._thread.join(5)
        for conn in self._conns:
            conn.close()


def _loop(frames: int, per_frame: object = None, first_frame: object = None) -> list[float]:
    """Run ``frames`` frames; returns each frame's duration in seconds (work + calls + limiter)."""
    durations: list[float] = []
    next_tick = time.perf_counter()
    for i in range(frames):
        start = time.perf_counter()
        if i == 0 and callable(first_frame):
            first_frame()
        if callable(per_frame):
            per_frame()
        spin_until = start + _WORK
        while time.perf_counter() < spin_until:
            pass
        next_tick += _BUDGET
        pause = next_tick - time.perf_counter()
        if pause > 0:
            time.sleep(pause)   # the frame limiter (pygame's clock.tick(60) does the same)
        else:
            next_tick = time.perf_counter()   # late: start the next frame now, as clock.tick does
        durations.append(time.perf_counter() - start)
    return durations


def _rows(variant: str, durations: list[float], floor_fps: float | None) -> list[Row]:
    total = sum(durations)
    fps = len(durations) / total
    ordered = sorted(durations)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000.0
    over = sum(d > _BUDGET * 1.5 for d in durations) / len(durations) * 100.0
    ratio = fps / floor_fps if floor_fps else 1.0
    return [Row(BENCH, f"{variant}: frames per second", fps, "fps", ratio, "nowait >= 0.95x floor"
                if variant.startswith("nowait") else "", (ratio >= 0.95) if variant.startswith("nowait") else None),
            Row(BENCH, f"{variant}: p99 frame", p99, "ms"),
            Row(BENCH, f"{variant}: longest frame", max(durations) * 1000.0, "ms"),
            Row(BENCH, f"{variant}: frames over 1.5x budget", over, "%")]


def _fps(durations: list[float]) -> float:
    return len(durations) / sum(durations)


def run(ctx: Context) -> list[Row]:
    import nakama_sync
    frames = {"full": 300, "quick": 120}.get(ctx.mode, 30)
    blocks = 3 if ctx.mode in ("full", "quick") else 1
    server = _FrozenServer()
    call_times: list[float] = []
    try:
        floor: list[float] = []
        nowait: list[float] = []
        client = nakama_sync.Client(port=server.port, timeout=30.0)

        def calls() -> None:
            t0 = time.perf_counter()
            client.healthcheck_nowait()
            client.poll()
            call_times.append(time.perf_counter() - t0)
        try:
            for _ in range(blocks):
                run_floor = _loop(frames)
                floor = run_floor if not floor or _fps(run_floor) > _fps(floor) else floor
                run_nowait = _loop(frames, per_frame=calls)
                nowait = run_nowait if not nowait or _fps(run_nowait) > _fps(nowait) else nowait
        finally:
            client.close()
        floor_fps = _fps(floor)
        blocking_client = nakama_sync.Client(port=server.port, timeout=0.5,
                                             retries=nakama_sync.RetryConfig(max_attempts=1))

        def blocking_call() -> None:
            try:
                blocking_client.healthcheck()
            except nakama_sync.HttpTimeout:
                pass
        try:
            blocking = _loop(min(frames, 60), first_frame=blocking_call)
        finally:
            blocking_client.close()
    finally:
        server.close()
    call_times.sort()
    per_frame = Row(BENCH, "nowait: game-thread time of healthcheck_nowait() + poll() (median)",
                    call_times[len(call_times) // 2] * 1e6, "us")
    return (_rows("floor (no client)", floor, None) + _rows("nowait calls to a frozen server", nowait, floor_fps)
            + [per_frame] + _rows("one blocking call to a frozen server (contrast)", blocking, floor_fps))
