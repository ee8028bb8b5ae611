"""The samples in samples/: each runs its game loop headlessly with two players who must see each other.

pygame runs with SDL's dummy video driver and Panda3D renders offscreen with its software renderer.
Each graphical test saves a screenshot; set ``NAKAMA_SYNC_SCREENSHOTS=1`` to also write them to
``docs/images/`` (the README's pictures). Engine tests skip when the engine is not installed.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import nakama_sync

from .conftest import Target, unique

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
IMAGES = ROOT / "docs" / "images"


def load_sample(name: str) -> ModuleType:
    """Import samples/<name>.py as a module (samples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"sample_{name}", SAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keep_screenshot(path: Path) -> None:
    """Check a screenshot looks like a picture; copy it to docs/images when asked to."""
    assert path.exists() and path.stat().st_size > 2000, "the screenshot is missing or blank"
    if os.environ.get("NAKAMA_SYNC_SCREENSHOTS"):
        IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, IMAGES / path.name)


def matchmaking_deadline(target: Target) -> float:
    # A real Nakama matches only every 15 s (twice that for a ticket that waits); the tests' dev server 0.5 s.
    return 45.0 if target.external else 20.0


def test_samples_are_short_and_take_the_server_options() -> None:
    for path in sorted(SAMPLES.glob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) < 250, path.name
        for option in ("--host", "--port", "--server-key", "--ssl"):
            assert f'"{option}"' in text, (path.name, option)


def test_console_demo_players_see_each_other(client: nakama_sync.Client) -> None:
    demo = load_sample("console_demo")
    lines: list[str] = []
    seen = demo.run(client, log=lines.append)
    assert any("hello Bob!" in s for s in seen["bob"])
    assert any("want to play" in s for s in seen["alice"])
    assert any('match state op 1' in s and '"x": 3' in s for s in seen["bob"])
    assert any('match state op 1' in s and '"x": 7' in s for s in seen["alice"])
    assert lines[-1].startswith("both left the match")


def test_console_demo_command_exits_by_itself(target: Target) -> None:
    if target.external:
        pytest.skip("the README command starts its own embedded dev server")
    # timeout: a bound against a hang, not a speed check (speed is measured by benchmarks)
    done = subprocess.run([sys.executable, str(SAMPLES / "console_demo.py")], check=False, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    output = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == 0, output
    assert "hello Bob!" in done.stdout and "done!" in done.stdout, output


def test_pygame_squares_two_players_see_each_other_move(target: Target, client: nakama_sync.Client,
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    squares = load_sample("pygame_squares")
    pygame.display.init()
    pygame.font.init()
    room = unique("squares").replace("-", "")   # one word: it goes into a matchmaker query
    game = squares.Game(client, players=2, room=room, auto=True)
    try:
        one, two = game.players
        clock = pygame.time.Clock()

        def frames_until(done: Any, timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while not done():
                assert time.monotonic() < deadline, "timed out"
                assert game.frame(clock.tick(120) / 1000.0)

        def saw_move(a: Any) -> bool:   # a got 3+ positions from its one other player
            return len(a.others) == 1 and sum(a.moves_seen.values()) >= 3
        frames_until(lambda: saw_move(one) and saw_move(two), matchmaking_deadline(target))
        assert one.match_id == two.match_id
        # each one sees the other's square (by user id), where the other's messages put it
        assert [uid for _, _, uid in one.others.values()] == [two.session.user_id]
        assert [uid for _, _, uid in two.others.values()] == [one.session.user_id]

        # the lobby chat box: player one types a line, both see it
        for key in ["\r", "h", "i", "\r"]:
            code = pygame.K_RETURN if key == "\r" else ord(key)
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=code, unicode=key, mod=0, scancode=0))
        frames_until(lambda: any(line.endswith(": hi") for line in two.chat), 10.0)
        assert any(line.endswith(": hi") for line in one.chat)
        for _ in range(3):
            game.frame(clock.tick(120) / 1000.0)
        shot = tmp_path / "pygame_squares.png"
        pygame.image.save(game.screen, str(shot))
        keep_screenshot(shot)
    finally:
        game.close()
        pygame.quit()


def test_panda3d_scene_two_players_see_each_other_move(target: Target, client: nakama_sync.Client,
                                                       tmp_path: Path) -> None:
    pytest.importorskip("panda3d")
    scene_module = load_sample("panda3d_scene")
    scene_module.use_offscreen()
    scene = scene_module.Scene(client, players=2, match_name=unique("scene"), auto=True)
    try:
        one, two = scene.players
        deadline = time.monotonic() + 20.0
        while not (sum(one.moves_seen.values()) >= 3 and sum(two.moves_seen.values()) >= 3):
            assert time.monotonic() < deadline, "timed out"
            scene.taskMgr.step()
        assert one.match.match_id == two.match.match_id
        assert [uid for *_, uid in one.others.values()] == [two.session.user_id]
        assert [uid for *_, uid in two.others.values()] == [one.session.user_id]
        # player one's view shows a model for player two, placed where its last message said
        scene.taskMgr.step()
        (sid, (x, y, _, _)), = one.others.items()
        assert tuple(scene.models[sid].getPos().getXy()) == pytest.approx((x, y), abs=1e-3)
        shot = tmp_path / "panda3d_scene.png"
        scene.screenshot_to(str(shot))
        keep_screenshot(shot)
    finally:
        scene.close()
        scene.destroy()


def _run_sample(name: str, *args: str, env: dict[str, str] | None = None,
                timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1",
                **(env or {})}
    return subprocess.run([sys.executable, str(SAMPLES / f"{name}.py"), *args], check=False, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=full_env)


#: the samples that start a dev server on --port, with the options that make them run headless
HEADLESS = {"pygame_squares": ["--auto"], "panda3d_scene": ["--offscreen"], "authoritative/client": ["--bot"]}


def _engine(name: str) -> None:
    pytest.importorskip("panda3d" if name == "panda3d_scene" else "pygame")


@pytest.mark.parametrize("name", sorted(HEADLESS))
def test_a_busy_port_is_one_line(name: str) -> None:
    _engine(name)
    import socket
    with socket.create_server(("127.0.0.1", 0)) as busy:
        done = _run_sample(name, "--port", str(busy.getsockname()[1]), "--frames", "1", *HEADLESS[name])
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip() == "", done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert "busy" in line and "--port" in line and "--host" in line


@pytest.mark.parametrize("name", ["pygame_squares", "panda3d_scene"])
def test_port_zero_picks_a_free_port_and_the_room_option_is_shared(name: str, tmp_path: Path) -> None:
    pytest.importorskip("pygame" if name == "pygame_squares" else "panda3d")
    extra = ["--offscreen"] if name == "panda3d_scene" else []
    done = _run_sample(name, "--port", "0", "--frames", "3", "--room", unique("r").replace("-", ""), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "--port 0" not in done.stdout and "dev server at http://127.0.0.1:" in done.stdout


def test_port_zero_in_the_authoritative_sample() -> None:
    """The client dials the port the dev server picked, not port 0 (it used to keep args.port)."""
    _engine("authoritative/client")
    done = _run_sample("authoritative/client", "--port", "0", "--frames", "3", "--bot")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cannot reach" not in done.stdout and "--port 0" not in done.stdout, done.stdout
    assert "dev server at http://127.0.0.1:" in done.stdout and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("name", ["pygame_squares", "panda3d_scene"])
def test_both_samples_show_one_flag_for_the_room(name: str) -> None:
    _engine(name)
    done = _run_sample(name, "--help")
    assert done.returncode == 0, done.stderr
    assert "--room ROOM" in done.stdout and "--match" not in done.stdout, done.stdout


@pytest.mark.parametrize("name", sorted(HEADLESS))
def test_ctrl_c_quits_without_a_traceback(name: str) -> None:
    _engine(name)
    import signal
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1",
           "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    proc = subprocess.Popen([sys.executable, str(SAMPLES / f"{name}.py"), "--port", "0", *HEADLESS[name]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()          # the dev server runs: the game loop is about to start
        assert "dev server at" in first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


def test_panda3d_without_a_display_names_offscreen() -> None:
    pytest.importorskip("panda3d")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, str(SAMPLES / "panda3d_scene.py"), "--port", "0", "--frames", "1"],
                          check=False, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    if done.returncode == 0:
        pytest.skip("this machine opened a window without a display")
    assert "--offscreen" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
