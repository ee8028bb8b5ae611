"""Helpers shared by the tests/test_socket_*.py modules (fixtures are re-exported by each module)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import nakama_sync


@pytest.fixture
def sockets(client: nakama_sync.Client, new_session: Callable[..., nakama_sync.Session]
            ) -> Iterator[Callable[..., Any]]:
    """``sockets(session=None, appear_online=False, **options)`` -> a connected Socket, closed after the test.

    Returns ``(socket, session)`` when ``with_session=True``.
    """
    made: list[nakama_sync.Socket] = []

    def make(session: nakama_sync.Session | None = None, appear_online: bool = False,
             with_session: bool = False, **options: Any) -> Any:
        session = session or new_session()
        sock = client.create_socket(**options)
        made.append(sock)
        sock.connect(session, appear_online=appear_online, connect_timeout=10)
        return (sock, session) if with_session else sock

    yield make
    for sock in made:
        sock.close()


def pump_until(sock: nakama_sync.Socket, predicate: Callable[[], Any], timeout: float = 5.0,
               what: str = "condition") -> None:
    """poll() ``sock`` until ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {what}")
        sock.poll(min(0.05, remaining))


def recorder(sock: nakama_sync.Socket, signal_name: str) -> list[Any]:
    """Connect a handler to ``signal_name`` that appends each event to the returned list."""
    events: list[Any] = []
    sock.on(signal_name, lambda sender, event: events.append(event))
    return events


def server_sessions(devserver: Any, user_id: str) -> list[Any]:
    """The dev server's WsSession objects of ``user_id`` (read on the server's thread)."""
    return devserver.call(lambda: list(devserver.hub.user_sessions(user_id)))


def inject(devserver: Any, user_id: str, *frames: str | bytes) -> None:
    """Make the dev server send raw frames to every socket of ``user_id``."""
    def run() -> None:
        for session in devserver.hub.user_sessions(user_id):
            for frame in frames:
                session.send_raw(frame)
    devserver.call(run)


def require_ws_handler(target: Any, key: str) -> None:
    """Skip when the embedded dev server does not implement socket message ``key`` yet."""
    server = target.server
    if server is None:
        return
    if key not in server.call(lambda: set(server.hub.ws_handlers)):
        pytest.skip(f"dev server does not implement {key} yet")
