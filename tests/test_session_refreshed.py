"""``client.session_refreshed``: handlers held strongly, and run on the game's thread when the refresh
happened on a socket's reconnect thread (``use_main_thread=True``) or on a worker thread."""
from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import nakama_sync
from nakama_sync import RetryConfig
from nakama_sync.devserver import DevServer

from ._proxy import FAST, Events, Proxy
from ._socket_helpers import pump_until
from .conftest import unique

pytestmark = pytest.mark.devserver_only("starts a dev server issuing 2-second tokens")


@pytest.fixture
def short_tokens() -> Iterator[tuple[Proxy, nakama_sync.Client]]:
    """A dev server issuing 2-second tokens, a proxy in front of it, a client through the proxy."""
    server = DevServer(port=0, token_expiry_sec=2, refresh_token_expiry_sec=3600).start()
    proxy = Proxy("127.0.0.1", server.port)
    client = nakama_sync.Client(host="127.0.0.1", port=proxy.port, retries=RetryConfig(max_attempts=1))
    try:
        yield proxy, client
    finally:
        client.close()
        proxy.close()
        server.stop()


def test_a_lambda_handler_is_kept(short_tokens: tuple[Proxy, nakama_sync.Client]) -> None:
    _proxy, client = short_tokens
    seen: list[Any] = []
    client.session_refreshed.connect(lambda sender, session: seen.append(session))
    gc.collect()
    session = client.authenticate_device(unique("device"))
    old = session.token
    deadline = time.monotonic() + 5
    while not session.needs_refresh():   # a 2 s token needs one after 1.6 s (margin: 20% of its life)
        assert time.monotonic() < deadline
        threading.Event().wait(0.05)
    client.get_account(session)
    assert session.token != old and seen == [session]


def test_a_reconnect_refresh_is_announced_on_the_game_thread(short_tokens: tuple[Proxy, nakama_sync.Client]) -> None:
    proxy, client = short_tokens
    threads: list[int] = []
    client.session_refreshed.connect(lambda sender, session: threads.append(threading.get_ident()))
    session = client.authenticate_device(unique("device"))
    sock = client.create_socket(reconnect=FAST)
    events = Events(sock, "reconnected", "closed")
    try:
        sock.connect(session, connect_timeout=10)
        proxy.refuse()
        proxy.cut()
        pump_until(sock, session.is_expired, timeout=5, what="the token to expire offline")
        proxy.refuse(False)
        pump_until(sock, lambda: events.of("reconnected") or events.of("closed"), timeout=10, what="reconnected")
        assert events.of("reconnected"), events.items
        pump_until(sock, lambda: threads, timeout=5, what="the refresh notification")
        assert threads == [threading.get_ident()]
    finally:
        sock.close()
