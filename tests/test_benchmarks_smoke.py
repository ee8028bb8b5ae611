"""Every benchmark runs at tiny sizes and produces numbers. No timing is asserted here, ever.

Rows that cannot run on this machine say ``n/a: <why>`` (e.g. websockets or strace not installed);
a benchmark that crashes shows ``failed: ...`` and fails this test.
"""
from __future__ import annotations

import math
import threading

import pytest

from benchmarks.run import BENCHMARKS, run, table

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_benchmark_runs_and_produces_numbers(name: str) -> None:
    threads_before = set(threading.enumerate())
    rows = run([name], "smoke", log=lambda line: None)
    assert rows, f"{name} produced no rows"
    failed = [r for r in rows if r.note.startswith("failed")]
    assert not failed, table(failed)
    numbers = [r.value for r in rows if r.value is not None]
    if not numbers and all(r.note.startswith("n/a") for r in rows):
        pytest.skip(f"{name} cannot run here: {rows[0].note}")   # e.g. an optional package not installed
    assert numbers, f"{name} produced no numbers:\n{table(rows)}"
    assert all(isinstance(v, (int, float)) and not math.isnan(v) for v in numbers), table(rows)
    assert "| " + rows[0].bench in table(rows)
    # nothing of ours is left running (the dev server and sockets are closed)
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                and (t.name.startswith(("nakama", "bench")))]
    for t in leftover:
        t.join(5)
    assert not [t for t in leftover if t.is_alive()], leftover
