"""What the netcode helpers cost a frame: ``SnapshotBuffer``, ``FixedRateSender``, ``ServerClock``.

A scripted 60 frames-per-second loop (a fake clock, no network): each frame the remote entities' states
that are due (20 Hz, 50-90 ms of seeded delay) are pushed, then every entity is sampled. The floor is
what a game pays to draw the newest state as received: a dict lookup per entity. Also: one
``FixedRateSender.update()`` per frame (20 Hz) and reading ``ServerClock.offset`` per frame.
"""
from __future__ import annotations

import random
import timeit
from collections.abc import Callable

from ._harness import Context, Row

BENCH = "netcode helpers per frame"
FRAME_BUDGET_US = 1e6 / 60 / 100   # 1% of a frame at 60 fps: what a helper may cost


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _interpolation_frame(entities: int, use_buffer: bool, frames: int) -> Callable[[], object]:
    """One frame of a 60 fps loop drawing ``entities`` remote entities (pushes included)."""
    from nakama_sync.netcode import SnapshotBuffer
    clock = _FakeClock()
    buf = SnapshotBuffer(delay=0.1, clock=clock)
    newest: dict[int, tuple[float, ...]] = {}
    rng = random.Random(1)
    # arrivals for the frames played (and 2 s more): (arrival time, entity, sender time, state)
    arrivals = sorted((i / 20 + 0.05 + rng.uniform(0, 0.04), e, i / 20, (float(i), float(e)))
                      for e in range(entities) for i in range(20 * (frames // 60 + 2)))
    state = {"k": 0}

    def frame() -> object:
        clock.now += 1 / 60
        k = state["k"]
        while arrivals[k][0] <= clock.now:
            _, e, t, s = arrivals[k]
            if use_buffer:
                buf.push(e, t, s)
            else:
                newest[e] = s
            k += 1
        state["k"] = k
        drawn = None
        if use_buffer:
            for e in range(entities):
                drawn = buf.sample(e)
        else:
            for e in range(entities):
                drawn = newest.get(e)
        return drawn
    return frame


def _sender_frame() -> Callable[[], object]:
    from nakama_sync.netcode import FixedRateSender
    clock = _FakeClock()
    sender = FixedRateSender(20, lambda tick: None, clock=clock)

    def frame() -> object:
        clock.now += 1 / 60
        return sender.update()
    return frame


def _clock_read() -> Callable[[], object]:
    from nakama_sync.netcode import ServerClock
    clock = ServerClock(window=16)
    for i in range(16):
        clock.add_sample(i, i + 100.04, i + 0.08)

    def frame() -> object:
        return clock.offset
    return frame


def _us_per_frame(make: Callable[[], Callable[[], object]], frames: int) -> float:
    best = float("inf")
    for _ in range(3):
        fn = make()   # fresh state: every repeat replays the same minutes of play
        best = min(best, timeit.timeit(fn, number=frames) / frames * 1e6)
    return best


def run(ctx: Context) -> list[Row]:
    frames = max(60, min(20_000, ctx.sizes.poll_calls // 50))   # at most ~5.5 minutes of 60 fps play
    rows: list[Row] = []
    for entities in (1, 16):
        floor = _us_per_frame(lambda: _interpolation_frame(entities, False, frames), frames)
        value = _us_per_frame(lambda: _interpolation_frame(entities, True, frames), frames)
        rows.append(Row(BENCH, f"draw {entities} entit{'y' if entities == 1 else 'ies'} as received (floor)", floor, "us"))
        rows.append(Row(BENCH, f"SnapshotBuffer: push + sample {entities} entit{'y' if entities == 1 else 'ies'}", value, "us",
                        ratio=floor / value, goal=f"< {FRAME_BUDGET_US:.0f} us (1% of a 60 fps frame)",
                        ok=value < FRAME_BUDGET_US,
                        note=f"{frames} frames at 60 fps, 20 Hz states"))
    value = _us_per_frame(_sender_frame, frames)
    rows.append(Row(BENCH, "FixedRateSender.update() (20 Hz at 60 fps)", value, "us", goal="< 5 us",
                    ok=value < 5))
    value = _us_per_frame(_clock_read, frames)
    rows.append(Row(BENCH, "ServerClock.offset (best of 16)", value, "us", goal="< 5 us", ok=value < 5))
    return rows
