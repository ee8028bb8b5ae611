#!/usr/bin/env python3
"""Draw the pictures of docs/netcode.md (docs/images/netcode_*.png) with pygame (the ``pygame`` extra).

Every figure comes from the real helpers (``nakama_sync.netcode``) and the dev server's own delay model
(``nakama_sync.devserver._conditions``) fed by a seeded random generator, so reruns draw the same.

Example: ``python tools/netcode_figures.py [--out docs/images]``. Main thread only.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
import pygame

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nakama_sync.devserver._conditions import NetworkConditions, _Pipe
from nakama_sync.netcode import FixedRateSender, ServerClock, SnapshotBuffer

W, H = 900, 420
BG, AXIS, GRID, TEXT = (250, 250, 252), (60, 60, 70), (225, 225, 232), (30, 30, 40)
TRUTH, RAW, SMOOTH, EXTRA = (150, 150, 160), (220, 60, 60), (40, 100, 220), (40, 170, 90)
Point = tuple[float, float]


class Plot:
    """One chart: data coordinates mapped into a rectangle of a surface, with axes and a legend."""

    def __init__(self, title: str, xlabel: str, ylabel: str, xr: tuple[float, float], yr: tuple[float, float]) -> None:
        pygame.font.init()
        self.surface = pygame.Surface((W, H))
        self.surface.fill(BG)
        self.font = pygame.font.Font(None, 22)
        self.box = pygame.Rect(70, 50, W - 100, H - 110)
        self.xr, self.yr = xr, yr
        self.legend_y = 58
        self.text(title, (self.box.left, 16), size=28)
        self.text(xlabel, (self.box.centerx - 60, H - 32))
        label = pygame.transform.rotate(self.font.render(ylabel, True, TEXT), 90)
        self.surface.blit(label, (14, self.box.centery - label.get_height() // 2))
        for i in range(6):
            x = xr[0] + (xr[1] - xr[0]) * i / 5
            y = yr[0] + (yr[1] - yr[0]) * i / 5
            px, py = self.at((x, y))
            pygame.draw.line(self.surface, GRID, (px, self.box.top), (px, self.box.bottom))
            pygame.draw.line(self.surface, GRID, (self.box.left, py), (self.box.right, py))
            self.text(f"{x:g}", (px - 10, self.box.bottom + 6))
            if ylabel:
                self.text(f"{y:g}", (self.box.left - 44, py - 8))
        pygame.draw.rect(self.surface, AXIS, self.box, 1)

    def at(self, p: Point) -> tuple[int, int]:
        fx = (p[0] - self.xr[0]) / (self.xr[1] - self.xr[0])
        fy = (p[1] - self.yr[0]) / (self.yr[1] - self.yr[0])
        return round(self.box.left + fx * self.box.width), round(self.box.bottom - fy * self.box.height)

    def text(self, s: str, pos: tuple[int, int], size: int = 22, color: tuple[int, int, int] = TEXT) -> None:
        font = self.font if size == 22 else pygame.font.Font(None, size)
        self.surface.blit(font.render(s, True, color), pos)

    def line(self, points: Sequence[Point], color: tuple[int, int, int], width: int = 2, label: str = "") -> None:
        if label:
            self.legend(label, color)
        if len(points) > 1:
            pygame.draw.lines(self.surface, color, False, [self.at(p) for p in points], width)

    def dots(self, points: Sequence[Point], color: tuple[int, int, int], r: int = 3, label: str = "") -> None:
        if label:
            self.legend(label, color)
        for p in points:
            pygame.draw.circle(self.surface, color, self.at(p), r)

    def legend(self, label: str, color: tuple[int, int, int]) -> None:
        pygame.draw.rect(self.surface, color, (self.box.right - 390, self.legend_y + 4, 18, 8))
        self.text(label, (self.box.right - 364, self.legend_y))
        self.legend_y += 22

    def save(self, path: Path) -> None:
        pygame.image.save(self.surface, str(path))
        print(f"wrote {path}")


def motion(t: float) -> float:
    return 200 + 150 * math.sin(1.7 * t) * math.cos(0.45 * t)


def arrivals(rate: float, seconds: float, latency: float, jitter: float, seed: int) -> list[tuple[float, float]]:
    """(arrival time, sender timestamp) of states sent at ``rate`` through the dev server's delay model."""
    pipe = _Pipe(random.Random(seed), random.Random(seed + 1), lambda item: None)
    conditions = NetworkConditions(latency_ms=latency, jitter_ms=jitter)
    out = []
    for i in range(int(seconds * rate)):
        sent = i / rate
        due, _ = pipe.schedule(conditions, 64, sent)
        out.append((due, sent))
    return out


def figure_interpolation(out: Path) -> None:
    got = arrivals(20, 4.0, 75, 40, seed=17)
    buf = SnapshotBuffer(delay=0.1, max_extrapolation=0.1)
    plot = Plot("Snapshot interpolation: 20 Hz states, 75 +- 40 ms of delay", "time on the receiver (s)",
                "x (px)", (0.5, 3.0), (100, 440))
    frames = [i / 60 for i in range(int(3.0 * 60))]
    raw: list[Point] = []
    smooth: list[Point] = []
    truth: list[Point] = []
    k, newest = 0, None
    for now in frames:
        while k < len(got) and got[k][0] <= now:
            buf.push("p", got[k][1], (motion(got[k][1]),), received_at=got[k][0])
            newest = motion(got[k][1])
            k += 1
        if newest is not None and now >= 0.5:
            raw.append((now, newest))
            smooth.append((now, (buf.sample("p", now=now) or (0.0,))[0]))
            truth.append((now, motion(buf.render_time("p", now=now) or 0.0)))
    plot.line(truth, TRUTH, 6, label="true motion at the render time")
    plot.line(raw, RAW, label="raw: newest state received, drawn at once")
    plot.line(smooth, SMOOTH, label="SnapshotBuffer(delay=0.1).sample()")
    plot.dots([(a, motion(s)) for a, s in got if 0.5 <= a <= 3.0], RAW)
    plot.save(out / "netcode_interpolation.png")


def figure_clock(out: Path) -> None:
    rng = random.Random(5)
    truth, clock = 12.0, ServerClock(window=16)
    singles: list[Point] = []
    best: list[Point] = []
    for i in range(60):
        sent = i * 0.5
        up, down = 0.04 + rng.uniform(-0.03, 0.03), 0.04 + rng.uniform(-0.03, 0.03)
        clock.add_sample(sent, sent + up + truth, sent + up + down)
        one = (sent + up + truth) - (sent + sent + up + down) / 2   # what this sample alone says
        singles.append((i, (one - truth) * 1000))
        best.append((i, (clock.offset - truth) * 1000))
    plot = Plot("ServerClock: offset error under 40 +- 30 ms each way", "sample", "error (ms)", (0, 60), (-40, 40))
    plot.line([(0, 0), (60, 0)], TRUTH, 4, label="truth")
    plot.dots(singles, RAW, label="each sample: (server - midpoint)")
    plot.line(best, SMOOTH, label="ServerClock.offset (best of 16)")
    plot.save(out / "netcode_clock.png")


def figure_sender(out: Path) -> None:
    rng = random.Random(3)
    frames, now = [], 0.0
    while now < 1.0:   # a frame loop whose frame time wanders from 5 ms to 60 ms
        frames.append(now)
        now += rng.choice([0.005, 0.008, 0.016, 0.016, 0.016, 0.033, 0.06])
    sends: list[tuple[float, int]] = []
    clock_now = [0.0]
    sender = FixedRateSender(20, lambda tick: sends.append((clock_now[0], tick)), clock=lambda: clock_now[0])
    for t in frames:
        clock_now[0] = t
        sender.update()
    plot = Plot("FixedRateSender(20): one send per tick, whatever the frame rate", "time (s)", "", (0, 1.0), (0, 4.2))
    for t in frames:
        pygame.draw.line(plot.surface, TRUTH, plot.at((t, 0.4)), plot.at((t, 1.0)), 1)
    for t, tick in sends:
        pygame.draw.line(plot.surface, SMOOTH, plot.at((t, 1.4)), plot.at((t, 2.4)), 3)
        x, y = plot.at((t, 2.5))
        plot.text(str(tick), (x - 5, y - 16), size=18, color=SMOOTH)
    for k in range(21):
        pygame.draw.line(plot.surface, EXTRA, plot.at((k / 20, 2.7)), plot.at((k / 20, 2.9)), 1)
    plot.legend("frames (irregular)", TRUTH)
    plot.legend("sends, with their tick number", SMOOTH)
    plot.legend("tick boundaries (every 50 ms)", EXTRA)
    plot.save(out / "netcode_fixed_rate.png")


def figure_conditions(out: Path) -> None:
    pipe = _Pipe(random.Random(1), random.Random(2), lambda item: None)
    conditions = NetworkConditions(latency_ms=80, jitter_ms=20)
    drawn: list[Point] = []
    delivered: list[Point] = []
    for i in range(120):
        sent = i / 40
        probe = random.Random()
        probe.setstate(pipe.delays.getstate())   # the draw schedule() is about to make
        draw_ms = 80 + probe.uniform(-20, 20)
        due, _ = pipe.schedule(conditions, 64, sent)
        drawn.append((i, draw_ms))
        delivered.append((i, (due - sent) * 1000))
    plot = Plot("Dev server: latency 80 +- 20 ms at 40 Hz, order kept", "frame", "delay (ms)", (0, 120), (40, 120))
    plot.dots(drawn, RAW, label="delay drawn for the frame")
    plot.line(delivered, SMOOTH, label="delay applied (never before the frame ahead)")
    plot.save(out / "netcode_conditions.png")


FIGURES: dict[str, Callable[[Path], None]] = {"interpolation": figure_interpolation, "clock": figure_clock,
                                              "fixed_rate": figure_sender, "conditions": figure_conditions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "images"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for make in FIGURES.values():
        make(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
