"""The engine integrations (nakama_sync.integrations): pygame bridge and Panda3D socket task.

Real sockets against the target server; pygame runs with SDL's dummy video driver, Panda3D without a
window (its global task manager and messenger, stepped by hand). Each engine's tests skip when the
engine is not installed.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import nakama_sync

from .conftest import unique

DEADLINE = 10.0


def _our_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("nakama") and "devserver" not in t.name}


class Pair:
    """Alice and Bob, each with a connected socket, both in one relayed match."""

    def __init__(self, client: nakama_sync.Client) -> None:
        self.threads_before = _our_threads()
        self.alice = client.create_socket()
        self.bob = client.create_socket()
        self.alice_session = client.authenticate_device(unique("integ-a"), create=True)
        self.bob_session = client.authenticate_device(unique("integ-b"), create=True)
        self.alice.connect(self.alice_session)
        self.bob.connect(self.bob_session)
        self.match = self.alice.create_match()
        self.bob.join_match(self.match.match_id)

    def close(self) -> None:
        self.alice.close()
        self.bob.close()
        leftover = _our_threads() - self.threads_before
        assert not any(t.is_alive() for t in leftover), f"threads left alive: {leftover}"


@pytest.fixture
def pair(client: nakama_sync.Client) -> Iterator[Pair]:
    p = Pair(client)
    try:
        yield p
    finally:
        p.close()


def _until(done: Callable[[], bool], step: Callable[[], Any], timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting"
        step()


def test_core_package_imports_no_engine() -> None:
    code = ("import sys, nakama_sync, nakama_sync.integrations, nakama_sync.devserver\n"
            "bad = [m for m in ('pygame', 'panda3d', 'direct') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_signal_list_matches_the_socket(client: nakama_sync.Client) -> None:
    from nakama_sync.integrations import SOCKET_SIGNALS
    socket = client.create_socket()
    for name in SOCKET_SIGNALS:
        assert hasattr(getattr(socket, name), "connect"), name


# ---- pygame -------------------------------------------------------------------------------------
@pytest.fixture
def pg(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pygame = pytest.importorskip("pygame")
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    pygame.display.init()
    pygame.display.set_mode((64, 48))
    try:
        yield pygame
    finally:
        pygame.quit()


def _nakama_events(pygame: Any) -> list[Any]:
    from nakama_sync.integrations.pygame import NAKAMA_EVENT
    return [e for e in pygame.event.get() if e.type == NAKAMA_EVENT]


def test_pygame_bridge_posts_match_state_as_pygame_event(pg: Any, pair: Pair) -> None:
    from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
    bridge = PygameBridge(pair.bob)
    got: list[Any] = []
    pair.alice.send_match_state(pair.match.match_id, 7, b"move")

    def step() -> None:
        bridge.pump(timeout=0.05)
        got.extend(e for e in _nakama_events(pg) if e.nakama_signal == "received_match_state")
    _until(lambda: bool(got), step)
    event = got[0]
    assert event.type == NAKAMA_EVENT and event.socket is pair.bob
    assert isinstance(event.payload, nakama_sync.MatchData)
    assert (event.payload.op_code, event.payload.data) == (7, b"move")
    assert event.payload.presence.user_id == pair.alice_session.user_id
    bridge.close()


def test_pygame_bridge_close_disconnects_its_handlers(pg: Any, pair: Pair) -> None:
    from nakama_sync.integrations.pygame import PygameBridge
    before = len(pair.bob.received_match_state.receivers)
    bridge = PygameBridge(pair.bob, signals=["received_match_state"])
    assert len(pair.bob.received_match_state.receivers) == before + 1
    bridge.close()
    bridge.close()
    assert len(pair.bob.received_match_state.receivers) == before
    seen = threading.Event()
    pair.bob.received_match_state.connect(lambda sender, event: seen.set(), weak=False)
    pair.alice.send_match_state(pair.match.match_id, 1, b"x")
    _until(seen.is_set, lambda: pair.bob.poll(timeout=0.05))
    assert _nakama_events(pg) == []


def test_pygame_bridge_keeps_events_pygame_refuses(pg: Any, pair: Pair) -> None:
    from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
    bridge = PygameBridge(pair.bob, signals=["received_match_state"])
    pg.event.set_blocked(NAKAMA_EVENT)
    try:
        pair.alice.send_match_state(pair.match.match_id, 1, b"kept")
        _until(lambda: bridge.pending > 0, lambda: bridge.pump(timeout=0.05))
    finally:
        pg.event.set_allowed(NAKAMA_EVENT)
    bridge.pump()   # posts what was kept
    events = _nakama_events(pg)
    assert [e.payload.data for e in events] == [b"kept"] and bridge.pending == 0
    bridge.close()


def test_pygame_bridge_needs_pygame_initialised(client: nakama_sync.Client) -> None:
    pygame = pytest.importorskip("pygame")
    from nakama_sync.integrations.pygame import PygameBridge
    pygame.quit()
    with pytest.raises(RuntimeError, match="pygame.init"):
        PygameBridge(client.create_socket())


def test_pygame_bridge_rejects_unknown_signal(pg: Any, client: nakama_sync.Client) -> None:
    from nakama_sync.integrations.pygame import PygameBridge
    socket = client.create_socket()
    with pytest.raises(ValueError, match="no_such_signal"):
        PygameBridge(socket, signals=["received_match_state", "no_such_signal"])
    assert len(socket.received_match_state.receivers) == 0


# ---- Panda3D ------------------------------------------------------------------------------------
@pytest.fixture
def p3d() -> Iterator[Any]:
    pytest.importorskip("panda3d")
    from direct.showbase.DirectObject import DirectObject
    from direct.task.TaskManagerGlobal import taskMgr
    listener = DirectObject()
    try:
        yield taskMgr, listener
    finally:
        listener.ignoreAll()


def test_panda3d_event_names() -> None:
    pytest.importorskip("panda3d")
    from nakama_sync.integrations.panda3d import event_name
    assert event_name("received_match_state") == "nakama-match-state"
    assert event_name("received_channel_message", "p2-") == "p2-channel-message"
    assert event_name("closed") == "nakama-closed"


def test_panda3d_task_forwards_events_and_ends_with_the_socket(p3d: Any, pair: Pair) -> None:
    from nakama_sync.integrations.panda3d import attach_socket
    task_mgr, listener = p3d
    task = attach_socket(pair.bob, poll_timeout=0.05)
    states: list[Any] = []
    closed: list[Any] = []
    listener.accept("nakama-match-state", states.append)
    listener.accept("nakama-closed", closed.append)
    assert task_mgr.hasTaskNamed(task.name)

    pair.alice.send_match_state(pair.match.match_id, 3, b"hello panda")
    _until(lambda: bool(states), task_mgr.step)
    assert isinstance(states[0], nakama_sync.MatchData) and states[0].data == b"hello panda"
    assert threading.current_thread() is threading.main_thread()

    pair.bob.close()
    _until(lambda: not task.active, task_mgr.step)
    task_mgr.step()
    assert len(closed) == 1
    assert not task_mgr.hasTaskNamed(task.name)
    assert len(pair.bob.received_match_state.receivers) == 0


def test_panda3d_task_with_reader_thread_socket_runs_handlers_on_main_thread(
        p3d: Any, client: nakama_sync.Client) -> None:
    from nakama_sync.integrations.panda3d import SocketTask
    task_mgr, listener = p3d
    alice = client.create_socket()
    bob = client.create_socket(use_main_thread=False)
    alice.connect(client.authenticate_device(unique("integ-a"), create=True))
    bob.connect(client.authenticate_device(unique("integ-b"), create=True))
    try:
        match = alice.create_match()
        bob.join_match(match.match_id)
        task = SocketTask(bob, prefix="bob-", signals=["received_match_state"], poll_timeout=0.05)
        threads: list[threading.Thread] = []
        listener.accept("bob-match-state", lambda event: threads.append(threading.current_thread()))
        alice.send_match_state(match.match_id, 1, b"x")
        _until(lambda: bool(threads), task_mgr.step)
        assert threads == [threading.main_thread()]
        task.remove()
        task.remove()
        assert not task_mgr.hasTaskNamed(task.name)
    finally:
        alice.close()
        bob.close()



def test_pygame_bridge_posts_from_the_reader_thread_without_pump(pg: Any, client: nakama_sync.Client) -> None:
    from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
    alice = client.create_socket()
    bob = client.create_socket(use_main_thread=False)   # handlers run on bob's reader thread
    alice.connect(client.authenticate_device(unique("integ-a"), create=True))
    bob.connect(client.authenticate_device(unique("integ-b"), create=True))
    try:
        bridge = PygameBridge(bob, signals=["received_match_state"])
        match = alice.create_match()
        bob.join_match(match.match_id)
        alice.send_match_state(match.match_id, 2, b"threaded")
        event = pg.event.wait(int(DEADLINE * 1000))          # blocks until pygame has an event
        while event.type != NAKAMA_EVENT:
            assert event.type != pg.NOEVENT, "timed out waiting for the bridged event"
            event = pg.event.wait(int(DEADLINE * 1000))
        assert event.payload.data == b"threaded" and event.socket is bob
        bridge.close()
    finally:
        alice.close()
        bob.close()
