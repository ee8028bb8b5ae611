"""The authoritative squares sample, headless (SDL dummy driver), and loading server code: from a
directory, again after an edit, and through ``python -m nakama_sync.devserver --modules``."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

import nakama_sync
from nakama_sync.devserver import DevServer, ModuleLoadError

from ._runtime_fixtures import Rt, pytestmark, rt_fixture  # noqa: F401
from .test_devserver_lifecycle import _free_port
from .test_devserver_realtime_base import WAIT
from .test_samples import ROOT, keep_screenshot, load_sample

SAMPLE_SERVER = ROOT / "samples" / "authoritative" / "server"


def _load_client() -> Any:
    return load_sample("authoritative/client")


def test_authoritative_squares_headless(rt: Rt, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    assert rt.server.load_modules(str(SAMPLE_SERVER)) == ["squares"]
    sample = _load_client()
    pygame.display.init()
    pygame.font.init()
    client = nakama_sync.Client(rt.target.server_key, rt.target.host, rt.target.port)
    games = []
    try:
        games = [sample.Game(client, bot=True), sample.Game(client, bot=True)]
        one, two = (g.player for g in games)
        assert one.match_id == two.match_id            # squares_join found the open match

        def scores() -> dict[str, int]:
            found = rt.nk.storage_read([{"collection": "squares", "key": "scoreboard"}])
            return dict(found[0]["value"]["scores"]) if found else {}
        deadline = time.monotonic() + 30.0
        while not (sum(scores().values()) >= 2 and len(one.world["players"]) == 2
                   and len(two.world["players"]) == 2):
            assert time.monotonic() < deadline, f"no points scored: {scores()}"
            for g in games:
                assert g.frame()
        # the scoreboard the server kept is what the clients show; a client's write lands in its own
        # object (owner: that user), never in the server's
        before = scores()                     # the match goes on ticking: a point may land meanwhile
        games[0].player.refresh_scoreboard()
        kept = scores()
        assert games[0].player.scoreboard in (before, kept)
        assert set(kept) <= {one.session.username, two.session.username}
        client.write_storage_objects(one.session, [{"collection": "squares", "key": "scoreboard",
                                                    "value": {"scores": {"me": 999}}}])
        assert "me" not in scores()
        shot = tmp_path / "authoritative_squares.png"
        pygame.image.save(games[0].screen, str(shot))
        keep_screenshot(shot)
    finally:
        for g in games:
            g.close()
        client.close()
        pygame.quit()


def test_the_server_validates_movement(rt: Rt) -> None:
    rt.server.load_modules(str(SAMPLE_SERVER))
    cheat = rt.ws()
    match_id = cheat.ok("rpc", {"id": "squares_join"}, "rpc")["payload"]
    cheat.ok("match_join", {"match_id": match_id}, "match")

    def state() -> dict[str, Any]:
        frame = cheat.wait_for(lambda f: f.get("match_data", {}).get("op_code") == "2")["match_data"]
        return dict(json.loads(base64.b64decode(frame["data"])))
    before = state()["players"][cheat.session_id]
    for wish in ({"dx": 500, "dy": 0}, {"x": 479}, "teleport"):     # out of range, no direction, not JSON
        data = base64.b64encode(json.dumps(wish).encode()).decode()
        cheat.send({"match_data_send": {"match_id": match_id, "op_code": 1, "data": data}})
        rejected = cheat.wait_for(lambda f: f.get("match_data", {}).get("op_code") == "3")["match_data"]
        assert json.loads(base64.b64decode(rejected["data"])) == {"reason": "bad input"}
    assert state()["players"][cheat.session_id]["x"] == before["x"]      # rejected wishes moved nothing
    first = state()      # read before the wish, so the move it causes always falls between first and last
    cheat.send({"match_data_send": {"match_id": match_id, "op_code": 1,
                                    "data": base64.b64encode(b'{"dx": 1, "dy": 0}').decode()}})
    last = state()
    for _ in range(40):  # each state() waits for the next tick's broadcast (bounded by wait_for's deadline)
        if last["players"][cheat.session_id]["x"] != first["players"][cheat.session_id]["x"]:
            break
        last = state()
    moved = last["players"][cheat.session_id]["x"] - first["players"][cheat.session_id]["x"]
    ticks = last["tick"] - first["tick"]
    assert 0 < moved <= ticks * 180 / 20 + 1e-9                          # at most SPEED px/s at 20 ticks/s


def test_modules_load_from_a_directory_and_reload_after_an_edit(tmp_path: Path) -> None:
    module = tmp_path / "hello.py"
    (tmp_path / "_helper.py").write_text("GREETING = 'hello'\n")
    module.write_text("from _helper import GREETING\n"
                      "def init_module(ctx, logger, nk, initializer):\n"
                      "    initializer.register_rpc('hello', lambda ctx, payload: GREETING + ' v1')\n")
    for expected in ("hello v1", "hello v2"):
        with DevServer(port=0) as server:
            assert server.load_modules(str(tmp_path)) == ["hello"]
            resp = requests.post(f"{http_base_of(server)}/v2/rpc/hello", params={"http_key": "defaulthttpkey"},
                                 json="", timeout=WAIT)
            assert resp.json() == {"payload": expected}
        module.write_text(module.read_text().replace("v1", "v2"))   # the edit a restart picks up
    module.write_text("def init_module(ctx, logger, nk, initializer):\n    raise RuntimeError('typo')\n")
    with pytest.raises(ModuleLoadError, match="typo"):
        DevServer(port=0).load_modules(str(tmp_path))
    with pytest.raises(ModuleLoadError, match="no module file"):
        DevServer(port=0).load_modules(str(tmp_path / "missing"))


def http_base_of(server: DevServer) -> str:
    return f"http://{server.host}:{server.port}"


def test_cli_loads_modules(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nakama_sync.devserver", "--port", str(port), "--modules",
                             str(SAMPLE_SERVER)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "loaded server modules" in line:
                ready.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(30), "".join(lines)
        resp = requests.post(f"http://127.0.0.1:{port}/v2/rpc/squares_join", params={"http_key": "defaulthttpkey"},
                             json="", timeout=WAIT)
        assert resp.status_code == 200 and resp.json()["payload"].endswith(".nakama"), resp.text
    finally:
        proc.terminate()
        proc.wait(15)
        reader.join(5)
        if proc.stdout is not None and not reader.is_alive():
            proc.stdout.close()
    assert any("loaded server modules from" in line and "squares" in line for line in lines)
