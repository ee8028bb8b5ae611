"""The README's examples, saved as programs in docs/examples/, pass ``mypy --strict`` as a user's code.

They are checked from a temporary folder outside the repository, against the package as installed
(a ``nakama_sync`` folder on PYTHONPATH: mypy treats it as an installed package with ``py.typed``), so
no setting of this repository helps them. Panda3D has no type hints: like a user, the check tells mypy
to skip its imports (``direct.*``).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.py"))
MYPY_INI = "[mypy]\n\n[mypy-direct.*]\nignore_missing_imports = True\n"


def _installed_package(tmp_path: Path) -> dict[str, str]:
    """An environment whose PYTHONPATH holds only nakama_sync (as a user's installed package)."""
    packages = tmp_path / "site"
    packages.mkdir()
    source = ROOT / "nakama_sync"
    if not source.is_dir():   # CI's wheel stage: the tests run beside the installed package, not the source
        import nakama_sync
        source = Path(nakama_sync.__file__).parent
    (packages / "nakama_sync").symlink_to(source, target_is_directory=True)
    return {**os.environ, "PYTHONPATH": str(packages)}


def test_every_readme_python_example_is_a_checked_program() -> None:
    # The README's Python blocks are copies of programs in docs/examples/ (which mypy checks below), so
    # the README cannot drift into code that fails a user's strict type check.
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("no README beside the tests")
    blocks = readme.read_text().split("```python\n")[1:]
    assert blocks, "the README has no Python example"
    programs = [p.read_text() for p in EXAMPLES]
    for block in (b.split("```")[0] for b in blocks):
        assert any(block in program for program in programs), f"not in docs/examples/:\n{block}"


def test_there_are_examples() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"using_it", "matchmaking", "pygame_bridge", "panda3d_bridge", "devserver", "http_nowait",
            "paging"} <= names


def test_examples_pass_mypy_strict_outside_the_repo(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    env = _installed_package(tmp_path)
    work = tmp_path / "user_project"
    work.mkdir()
    for example in EXAMPLES:
        shutil.copy(example, work / example.name)
    (work / "mypy.ini").write_text(MYPY_INI)
    cache = ROOT / ".mypy_cache" / "docs_examples"   # only speeds up reruns; holds no settings
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "--config-file",
                             "mypy.ini", *[p.name for p in EXAMPLES]],
                            cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_mistake_in_an_example_is_caught(tmp_path: Path) -> None:
    """The check can fail: an unguarded Optional (the README's old ``event.presence.username``)."""
    pytest.importorskip("mypy")
    env = _installed_package(tmp_path)
    bad = tmp_path / "bad.py"
    bad.write_text("import nakama_sync\n\n\ndef on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData)"
                   " -> None:\n    print(event.presence.username)\n\n\n"
                   "x: int = nakama_sync.Client().get_account_nowait(nakama_sync.Session.restore('a', 'b'))\n")
    cache = ROOT / ".mypy_cache" / "docs_examples"
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), "bad.py"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert 'Item "None" of "UserPresence | None" has no attribute "username"' in result.stdout, result.stdout
    assert '"HttpFuture[Account]", variable has type "int"' in result.stdout, result.stdout
