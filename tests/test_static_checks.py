"""Static checks that keep the public API honest: type hints hold (mypy) and lint is clean (ruff).

Both tools come with the ``test`` extra; the tests skip when a tool is missing. When the tests run from
a copy beside an installed wheel (CI's wheel stage), there is no source tree: mypy then checks the
installed package and ruff the test, sample and benchmark files that are there.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "nakama_sync").is_dir()


def test_package_type_checks() -> None:
    pytest.importorskip("mypy")
    package = ["nakama_sync"] if SOURCE else ["-p", "nakama_sync"]
    result = subprocess.run([sys.executable, "-m", "mypy", *package, "--ignore-missing-imports",
                             "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    paths = [p for p in ("nakama_sync", "tests", "samples", "benchmarks") if (ROOT / p).is_dir()]
    result = subprocess.run([ruff, "check", "--quiet", *paths],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
