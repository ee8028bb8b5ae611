"""DevServer lifecycle: port 0, start/stop twice, stop from another thread, file database, the CLI."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests

import nakama_sync
from nakama_sync import Session
from nakama_sync.devserver import DevServer

from .conftest import unique

pytestmark = pytest.mark.devserver_only("starts, stops and restarts dev servers of its own")


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "nakama-devserver"]


def test_port_zero_start_twice_stop_twice() -> None:
    before = len(_server_threads())
    server = DevServer(port=0)
    assert server.start() is server
    port = server.port
    assert port > 0 and server.running
    assert server.start() is server and server.port == port       # a second start is a no-op
    with nakama_sync.Client(port=port) as client:
        client.healthcheck()
    server.stop()
    server.stop()                                                  # a second stop is a no-op
    assert not server.running
    assert len(_server_threads()) == before
    no_retry = nakama_sync.client.RetryConfig(max_attempts=1)
    with nakama_sync.Client(port=port, retries=no_retry) as client, pytest.raises(nakama_sync.TransportError):
        client.healthcheck()


def test_stop_from_another_thread() -> None:
    before = len(_server_threads())
    with DevServer(port=0) as server:
        stopper = threading.Thread(target=server.stop, name="stopper")
        stopper.start()
        stopper.join(15)
        assert not stopper.is_alive()
        assert not server.running
    assert len(_server_threads()) == before


def test_two_servers_side_by_side() -> None:
    with DevServer(port=0) as a, DevServer(port=0) as b:
        assert a.port != b.port
        with nakama_sync.Client(port=a.port) as ca, nakama_sync.Client(port=b.port) as cb:
            device = unique("device")
            assert ca.authenticate_device(device).created
            assert cb.authenticate_device(device).created             # separate databases


def test_restart_with_a_file_database_keeps_accounts(tmp_path: Path) -> None:
    db = str(tmp_path / "nakama.db")
    device = unique("device")
    with DevServer(port=0, database=db) as server, nakama_sync.Client(port=server.port) as client:
        first = client.authenticate_email(f"{unique('m')}@example.com", "password1234", username=unique("keep"))
        client.link_device(first, device)
    with DevServer(port=0, database=db) as server, nakama_sync.Client(port=server.port) as client:
        again = client.authenticate_device(device, create=False)
        assert (again.user_id, again.username, again.created) == (first.user_id, first.username, False)
        assert client.get_account(first).user.id == first.user_id  # its old token still works


def test_restart_keeps_logouts(tmp_path: Path) -> None:
    db = str(tmp_path / "nakama.db")
    with DevServer(port=0, database=db) as server, nakama_sync.Client(port=server.port) as client:
        session = client.authenticate_device(unique("device"))
        client.session_logout(session)
    with DevServer(port=0, database=db) as server, nakama_sync.Client(port=server.port) as client:
        with pytest.raises(nakama_sync.ApiError) as exc:
            client.get_account(session)
        assert exc.value.status_code == 401


def _open_files_under(folder: Path) -> list[str]:
    """The files under ``folder`` this process holds open (Linux's /proc/self/fd)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue   # closed meanwhile
        if path.startswith(str(folder)):
            found.append(path)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads the open files in Linux's /proc/self/fd")
@pytest.mark.parametrize("case", ["missing certificate", "not a database", "busy port"])
def test_a_server_that_fails_to_start_keeps_no_file_open(tmp_path: Path, case: str) -> None:
    db = tmp_path / "nakama.db"
    options: dict[str, Any] = {"database": str(db)}
    with contextlib.ExitStack() as stack:
        port = 0
        if case == "missing certificate":
            options.update(ssl_certificate=str(tmp_path / "missing.pem"),
                           ssl_private_key=str(tmp_path / "missing.key"))
        elif case == "not a database":
            db.write_bytes(b"notes, not a database\n" * 100)
        else:
            port = stack.enter_context(socket.create_server(("127.0.0.1", 0))).getsockname()[1]
        server = DevServer(port=port, **options)
        with pytest.raises(Exception, match="failed to start"):
            server.start()
    assert not server.running
    # the server (its start error) is still referenced: an unclosed database would still be open here
    assert _open_files_under(tmp_path) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_serves_and_tokens_read_back(tmp_path: Path) -> None:
    port = _free_port()
    db = str(tmp_path / "cli.db")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "nakama_sync.devserver", "--port", str(port), "--database", db],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    reader: threading.Thread | None = None
    try:
        lines: list[str] = []
        ready = threading.Event()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if "listening on" in line:
                    ready.set()
        reader = threading.Thread(target=read, name="cli-output", daemon=True)
        reader.start()
        assert ready.wait(30), "".join(lines)
        assert re.search(rf"http://127\.0\.0\.1:{port}", "".join(lines))
        username = unique("cli")
        reply = requests.post(f"http://127.0.0.1:{port}/v2/account/authenticate/device",
                              params={"create": "true", "username": username}, auth=("defaultkey", ""),
                              json={"id": unique("device"), "vars": {"via": "cli"}}, timeout=10)
        assert reply.status_code == 200
        body = reply.json()
        assert body["created"] is True
        session = Session(body["token"], body["refresh_token"], body["created"])
        assert session.username == username and session.vars == {"via": "cli"}
        assert 55 <= session.expire_time - session.create_time <= 65        # Nakama's default 60 s
        assert os.path.exists(db)
    finally:
        proc.terminate()
        try:
            assert proc.wait(15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
            if reader is not None:
                reader.join(10)   # it ends at the pipe's end of file
            if proc.stdout is not None and (reader is None or not reader.is_alive()):
                proc.stdout.close()
