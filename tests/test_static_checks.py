"""Static checks that keep the public API honest: type hints hold (mypy) and lint is clean (ruff).

Both tools come with the ``test`` extra; the tests skip when a tool is missing.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_package_type_checks() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy", "nakama_sync", "--ignore-missing-imports",
                             "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_is_clean() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run([ruff, "check", "--quiet", "nakama_sync", "tests", "samples", "benchmarks"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
