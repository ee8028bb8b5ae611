"""Run the nakama-sync benchmarks and print one table.

Usage::

    python -m benchmarks                 # full sizes (about two minutes)
    python -m benchmarks --quick         # smaller sizes
    python -m benchmarks --only receive,rpc --json results.json

Every number is measured in the same run as its floor, on the same machine, over loopback.
Nothing here asserts timings; ``tests/test_benchmarks_smoke.py`` only checks that each benchmark runs.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict

if __package__ in (None, ""):  # ``python benchmarks/run.py``
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "benchmarks"

from benchmarks._harness import Context, NotAvailable, Row, Sizes

# name -> module (each has run(ctx) -> list[Row]), in the order they run and print
BENCHMARKS = {
    "poll": "bench_poll",
    "receive": "bench_receive",
    "syscalls": "bench_syscalls",
    "rpc": "bench_rpc",
    "send": "bench_send",
    "http": "bench_http",
    "memory": "bench_memory",
    "relay": "bench_relay",
    "json": "bench_json",
    "frame_budget": "bench_frame_budget",
    "netcode": "bench_netcode",
}


def machine() -> dict[str, str]:
    """nproc, CPU model, Python and library versions: what BENCHMARKS.md records with the numbers."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {"nproc": str(os.cpu_count()), "cpu": cpu,
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "os": platform.platform()}
    for mod, dist in (("websocket", "websocket-client"), ("websockets", "websockets"), ("requests", "requests"),
                      ("blinker", "blinker"), ("orjson", "orjson"), ("aiohttp", "aiohttp")):
        try:
            info[mod] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            info[mod] = "not installed"
    return info


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("ns/call", "us", "ms") or value < 100:
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}"


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| benchmark | variant | value | unit | vs floor | goal | note |",
             "|---|---|---:|---|---:|---|---|"]
    for r in rows:
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}x"
        goal = r.goal
        if r.ok is not None:
            goal = f"{goal} {'PASS' if r.ok else 'MISS'}".strip()
        lines.append(f"| {r.bench} | {r.variant} | {_fmt(r.value, r.unit)} | {r.unit} | {ratio} | {goal} "
                     f"| {r.note} |")
    return "\n".join(lines)


def run(names: list[str], mode: str, log: Callable[[str], None] = print) -> list[Row]:
    """Run the named benchmarks at ``mode`` sizes ("full", "quick", "smoke") and return every row."""
    ctx = Context(sizes=Sizes.for_mode(mode), mode=mode, log=log)
    rows: list[Row] = []
    try:
        for name in names:
            module = importlib.import_module(f"benchmarks.{BENCHMARKS[name]}")
            log(f"== {name}")
            t0 = time.perf_counter()
            try:
                rows.extend(module.run(ctx))
            except NotAvailable as exc:
                rows.append(Row(name, "-", None, "", note=f"n/a: {exc}"))
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
                rows.append(Row(name, "-", None, "", note=f"failed: {exc!r}"[:300]))
            log(f"   ({time.perf_counter() - t0:.1f} s)")
    finally:
        ctx.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (what the smoke test runs)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--json", default="", help="also write the rows and the machine to this file")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    info = machine()
    log: Callable[[str], None] = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr))
    rows = run(names, mode, log)
    print(f"machine: {info['nproc']} x {info['cpu']}, {info['python']}, {info['os']}")
    print("libraries: " + ", ".join(f"{k} {info[k]}" for k in ("websocket", "websockets", "requests",
                                                               "blinker", "orjson", "aiohttp")))
    print(f"sizes: {mode}\n")
    print(table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "mode": mode, "rows": [asdict(r) for r in rows]}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
