"""Engine bridges, the rough edges: every error they raise is a NakamaError (which also subclasses the
builtin a user may already catch), nothing stays connected after a refusal, and the reconnect signals the
README tells games to act on (``reconnecting`` / ``reconnected``) reach the engine.

Real sockets against the target server (through the tests' TCP proxy for the reconnect); pygame with
SDL's dummy video driver, Panda3D's global task manager and messenger stepped by hand.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

import nakama_sync
from nakama_sync.exceptions import InvalidArgument, InvalidArgumentType, NakamaError, UsageError

from ._proxy import FAST, Proxy, proxied, proxy  # noqa: F401
from .conftest import unique
from .test_integrations import p3d, pg  # noqa: F401  (the engine fixtures)

DEADLINE = 10.0


def _until(done: Callable[[], bool], step: Callable[[], Any], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        step()


def _receivers(socket: nakama_sync.Socket) -> int:
    from nakama_sync.integrations import SOCKET_SIGNALS
    return sum(len(getattr(socket, name).receivers) for name in SOCKET_SIGNALS)


# ---- every refusal is typed -------------------------------------------------------------------------
def test_signal_table_includes_the_reconnect_signals_and_every_socket_signal() -> None:
    from nakama_sync._events import SIGNALS
    from nakama_sync.integrations import SOCKET_SIGNALS
    assert {"reconnecting", "reconnected"} <= set(SOCKET_SIGNALS)
    assert set(SOCKET_SIGNALS) == set(SIGNALS)


def test_pygame_bridge_without_pygame_init_is_a_usage_error(client: nakama_sync.Client) -> None:
    pygame = pytest.importorskip("pygame")
    from nakama_sync.integrations.pygame import PygameBridge
    pygame.quit()
    socket = client.create_socket()
    with pytest.raises(UsageError, match=r"pygame\.init\(\)") as caught:
        PygameBridge(socket)
    assert isinstance(caught.value, RuntimeError)     # `except RuntimeError` keeps working
    assert _receivers(socket) == 0


@pytest.mark.parametrize(("kwargs", "error", "builtin", "text"), [
    ({"signals": ["received_match_state", "no_such_signal"]}, InvalidArgument, ValueError, "no_such_signal"),
    ({"signals": "received_match_state"}, InvalidArgumentType, TypeError,
     r"signals=\['received_match_state'\]"),
    ({"signals": [7]}, InvalidArgumentType, TypeError, "signal names"),
    ({"event_type": "nakama"}, InvalidArgumentType, TypeError, "event_type"),
])
def test_pygame_bridge_refuses_bad_arguments_typed(
        pg: Any, client: nakama_sync.Client, kwargs: dict[str, Any], error: type[Exception],  # noqa: F811
        builtin: type[Exception], text: str) -> None:
    from nakama_sync.integrations.pygame import PygameBridge
    socket = client.create_socket()
    with pytest.raises(error, match=text) as caught:
        PygameBridge(socket, **kwargs)
    assert isinstance(caught.value, NakamaError) and isinstance(caught.value, builtin)
    assert _receivers(socket) == 0


def test_pygame_bridge_refuses_what_is_not_a_socket(pg: Any) -> None:  # noqa: F811
    from nakama_sync.integrations.pygame import PygameBridge
    with pytest.raises(InvalidArgumentType, match="nakama_sync.Socket, not Client"):
        PygameBridge(nakama_sync.Client())


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"timeout": -1.0}, InvalidArgument), ({"timeout": float("nan")}, InvalidArgument),
    ({"timeout": "0"}, InvalidArgumentType), ({"max_events": 0}, InvalidArgument),
    ({"max_events": 1.5}, InvalidArgumentType),
])
def test_pygame_bridge_pump_refuses_bad_poll_options(pg: Any, client: nakama_sync.Client,  # noqa: F811
                                                     kwargs: dict[str, Any], error: type[Exception]) -> None:
    from nakama_sync.integrations.pygame import PygameBridge
    bridge = PygameBridge(client.create_socket())
    try:
        with pytest.raises(error):
            bridge.pump(**kwargs)
    finally:
        bridge.close()


def test_pygame_bridge_after_pygame_quit_is_a_usage_error(client: nakama_sync.Client,
                                                           new_session: Callable[[], nakama_sync.Session],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    pygame = pytest.importorskip("pygame")
    from nakama_sync.integrations.pygame import PygameBridge
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    socket = client.create_socket()
    socket.connect(new_session())
    try:
        bridge = PygameBridge(socket, signals=["received_channel_message"])
        channel = socket.join_chat(unique("room"))
        pygame.quit()
        socket.write_chat_message(channel.id, {"text": "after quit"})
        raised: list[BaseException] = []

        def step() -> None:
            try:
                bridge.pump(timeout=0.05)
            except NakamaError as exc:
                raised.append(exc)
        _until(lambda: bool(raised), step, "the bridge to notice pygame was shut down")
        assert isinstance(raised[0], UsageError) and isinstance(raised[0], RuntimeError)
        assert "shut down" in str(raised[0])
        bridge.close()
    finally:
        socket.close()
        pygame.quit()


@pytest.mark.parametrize(("kwargs", "error", "text"), [
    ({"signals": ["nope"]}, InvalidArgument, "nope"),
    ({"signals": "closed"}, InvalidArgumentType, "one string"),
    ({"prefix": 3}, InvalidArgumentType, "prefix"),
    ({"max_events": 0}, InvalidArgument, "max_events"),
    ({"poll_timeout": -0.5}, InvalidArgument, "timeout"),
    ({"poll_timeout": None}, InvalidArgumentType, "timeout"),
])
def test_panda3d_task_refuses_bad_arguments_typed(
        p3d: Any, client: nakama_sync.Client, kwargs: dict[str, Any], error: type[Exception],  # noqa: F811
        text: str) -> None:
    from nakama_sync.integrations.panda3d import SocketTask
    task_mgr, _ = p3d
    socket = client.create_socket()
    tasks_before = len(task_mgr.getTasks())
    with pytest.raises(error, match=text) as caught:
        SocketTask(socket, **kwargs)
    assert isinstance(caught.value, NakamaError)
    assert _receivers(socket) == 0 and len(task_mgr.getTasks()) == tasks_before


def test_panda3d_event_name_refuses_a_non_string(p3d: Any) -> None:  # noqa: F811
    from nakama_sync.integrations.panda3d import attach_socket, event_name
    with pytest.raises(InvalidArgumentType):
        event_name(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType, match="nakama_sync.Socket"):
        attach_socket(object())


# ---- reconnecting / reconnected reach the engine ---------------------------------------------------
def _cut_and_reconnect(proxy: Proxy, socket: nakama_sync.Socket, step: Callable[[], Any],  # noqa: F811
                       seen: Callable[[], list[str]]) -> None:
    proxy.cut()
    _until(lambda: "reconnected" in seen(), step, "reconnected through the bridge")
    names = seen()
    assert names.index("reconnecting") < names.index("reconnected")
    assert names.count("reconnected") == 1 and "closed" not in names
    assert socket.is_connected


def test_pygame_bridge_posts_reconnecting_and_reconnected(
        pg: Any, proxied: Any, proxy: Proxy,  # noqa: F811
        new_session: Callable[[], nakama_sync.Session]) -> None:
    from nakama_sync.integrations.pygame import NAKAMA_EVENT, PygameBridge
    socket = proxied().create_socket(reconnect=FAST)
    socket.connect(new_session(), appear_online=False, connect_timeout=10)
    try:
        bridge = PygameBridge(socket)
        names: list[str] = []

        def step() -> None:
            bridge.pump(timeout=0.05)
            names.extend(e.nakama_signal for e in pg.event.get() if e.type == NAKAMA_EVENT)
        _cut_and_reconnect(proxy, socket, step, lambda: names)
        bridge.close()
    finally:
        socket.close()


def test_panda3d_task_sends_reconnecting_and_reconnected(
        p3d: Any, proxied: Any, proxy: Proxy,  # noqa: F811
        new_session: Callable[[], nakama_sync.Session]) -> None:
    from nakama_sync.integrations.panda3d import attach_socket
    task_mgr, listener = p3d
    socket = proxied().create_socket(reconnect=FAST)
    socket.connect(new_session(), appear_online=False, connect_timeout=10)
    try:
        task = attach_socket(socket, poll_timeout=0.05)
        names: list[str] = []
        listener.accept("nakama-reconnecting", lambda event: names.append("reconnecting"))
        listener.accept("nakama-reconnected", lambda event: names.append("reconnected"))
        listener.accept("nakama-closed", lambda event: names.append("closed"))
        _cut_and_reconnect(proxy, socket, task_mgr.step, lambda: names)
        assert task.active
        task.remove()
    finally:
        socket.close()
