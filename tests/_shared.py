"""Where the tests find ``shared/`` (the recorded real-server transcripts and the HTTP API's swagger).

CI lays a copy of ``shared/`` beside the clone; a developer's checkout has it beside the repo too. The
path is taken without resolving symbolic links (a clone reached through a link still finds its
neighbour), and ``NAKAMA_SYNC_SHARED`` names it explicitly (the wheel stage of CI runs the tests from a
copy outside the repo). A test that needs it skips on a developer's machine without it, and fails
under CI (``CI`` set), where a missing ``shared/`` is a broken set-up, not a reason to test less.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO = Path(os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir)))


def _candidates() -> list[Path]:
    found = [Path(os.environ["NAKAMA_SYNC_SHARED"])] if os.environ.get("NAKAMA_SYNC_SHARED") else []
    found += [_REPO.parent / "shared", Path(os.path.abspath(os.getcwd())).parent / "shared",
              _REPO.resolve().parent / "shared"]
    return found


def shared_path(relative: str) -> Path:
    """``shared/<relative>``; skips the test (fails it under CI) when no ``shared/`` has it."""
    for base in _candidates():
        if (base / relative).exists():
            return base / relative
    tried = ", ".join(str(c) for c in _candidates())
    message = f"shared/{relative} not found (tried {tried}; set NAKAMA_SYNC_SHARED)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
