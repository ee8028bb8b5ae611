"""What a user gets from a plain install: only the run-time dependencies, a dev server that names its
extra, and types that a user's ``mypy --strict`` sees from the user's own folder (issue 11).

CI also installs the package for real (no extras, and from the built wheel) in fresh virtualenvs; these
tests keep the same promises checked in every run of the suite.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_BLOCK = "import sys\nfor _name in {names!r}:\n    sys.modules[_name] = None  # makes 'import <name>' fail\n"


def _python(code: str, cwd: Path, blocked: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    program = _BLOCK.format(names=blocked) + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", program], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_package_imports_with_only_its_runtime_dependencies(tmp_path: Path) -> None:
    # Everything outside the extras must import and work without them (and without typing_extensions,
    # which no run-time dependency promises to bring).
    result = _python("""
        import pkgutil, nakama_sync
        skipped = ("nakama_sync.devserver", "nakama_sync.integrations.")
        for info in pkgutil.walk_packages(nakama_sync.__path__, "nakama_sync."):
            if not info.name.startswith(skipped):
                __import__(info.name)
        client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=1)
        socket = client.create_socket()
        assert not socket.is_connected
        client.close()
        print("ok")
    """, tmp_path, ("aiohttp", "orjson", "typing_extensions", "pygame", "panda3d"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_devserver_without_its_extra_names_the_extra_in_one_line(tmp_path: Path) -> None:
    result = _python("""
        import runpy
        runpy.run_module("nakama_sync.devserver", run_name="__main__")
    """, tmp_path, ("aiohttp",))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert 'nakama-sync[devserver]' in lines[0]
    imported = _python("from nakama_sync.devserver import DevServer", tmp_path, ("aiohttp",))
    assert imported.returncode == 1
    assert 'ImportError: the nakama-sync dev server needs the "devserver" extra' in imported.stderr


_GOOD = """
    import nakama_sync

    def on_state(sender: nakama_sync.Socket, event: nakama_sync.MatchData) -> None:
        print(event.op_code, event.data)

    client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
    session = client.authenticate_device("device-id-123", create=True)
    account: nakama_sync.Account = client.get_account(session)
    name: str | None = account.user.username if account.user else None
    socket = client.create_socket()
    socket.received_match_state.connect(on_state)
"""
_BAD = """
    import nakama_sync

    client = nakama_sync.Client(server_key="defaultkey")
    session = client.authenticate_device("device-id-123", create=True)
    wrong: int = client.get_account(session)
"""


def test_user_program_type_checks_against_the_installed_package(tmp_path: Path) -> None:
    # mypy runs in a folder outside the repo, as it does in a user's game: it must find nakama_sync
    # (an editable install that type checkers follow, or the installed wheel) and its types.
    pytest.importorskip("mypy")
    (tmp_path / "my_game.py").write_text(textwrap.dedent(_GOOD))
    (tmp_path / "bad_game.py").write_text(textwrap.dedent(_BAD))
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".cache")]
    good = subprocess.run([*command, "my_game.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, (good.stdout + good.stderr + "\n(an editable install must be made as the "
                                  "README says, with --config-settings editable_mode=compat)")
    bad = subprocess.run([*command, "bad_game.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert 'error: Incompatible types in assignment (expression has type "Account", variable has type ' \
        '"int")' in bad.stdout, bad.stdout
