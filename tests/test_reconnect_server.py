"""Reconnection against servers that change under the socket (issue 6; dev server only: they restart
it or need short token lifetimes): a restart with a file database, a token that expired while offline,
a refresh token that expired too, a server that no longer accepts the token."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ChannelType
from nakama_sync.client import RetryConfig
from nakama_sync.devserver import DevServer

from ._proxy import FAST, Events, Proxy
from ._socket_helpers import pump_until
from .conftest import unique

pytestmark = pytest.mark.devserver_only("restarts the server under the client and needs token lifetimes of seconds")


@pytest.fixture
def short_lived() -> Iterator[Any]:
    """``short_lived(token_s, refresh_s)`` -> (DevServer, Proxy in front of it, Client through the proxy)."""
    made: list[Any] = []

    def make(token_s: int, refresh_s: int) -> tuple[DevServer, Proxy, nakama_sync.Client]:
        server = DevServer(port=0, token_expiry_sec=token_s, refresh_token_expiry_sec=refresh_s).start()
        made.append(server)
        proxy = Proxy("127.0.0.1", server.port)
        made.append(proxy)
        client = nakama_sync.Client(host="127.0.0.1", port=proxy.port, retries=RetryConfig(max_attempts=1))
        made.append(client)
        return server, proxy, client
    yield make
    for thing in reversed(made):
        thing.close() if not isinstance(thing, DevServer) else thing.stop()


def test_server_restart_keeps_the_account_and_the_session(tmp_path: Path) -> None:
    db = str(tmp_path / "nakama.db")
    server = DevServer(port=0, database=db).start()
    port = server.port
    client = nakama_sync.Client(host="127.0.0.1", port=port, retries=RetryConfig(max_attempts=1))
    sock = client.create_socket(reconnect=FAST)
    events = Events(sock, "reconnecting", "reconnected", "closed")
    try:
        session = client.authenticate_device(unique("device"), create=True, username=unique("u"))
        sock.connect(session, connect_timeout=10)
        room = sock.join_chat("restart-room", ChannelType.ROOM)
        match_id = sock.create_match().match_id
        sock.update_status("before the restart")
        server.stop()
        pump_until(sock, lambda: events.of("reconnecting"), what="reconnecting")
        assert "1001" in events.of("reconnecting")[0].cause or "server" in events.of("reconnecting")[0].cause
        server = DevServer(port=port, database=db).start()   # same port, same file
        pump_until(sock, lambda: events.of("reconnected"), timeout=15, what="reconnected")
        back = events.of("reconnected")[0]
        assert [c.id for c in back.channels] == [room.id] and back.status_restored
        assert [(i.kind, i.id) for i in back.lost] == [("match", match_id)]   # matches die with the server
        assert client.get_account(session).user.id == session.user_id          # account and session survive
        sock.ping()
        assert not events.of("closed")
    finally:
        sock.close()
        client.close()
        server.stop()


def test_a_token_that_expired_offline_is_refreshed_before_reconnecting(short_lived) -> None:
    _server, proxy, client = short_lived(2, 3600)
    refreshed: list[Any] = []
    client.session_refreshed.connect(lambda sender, session: refreshed.append(session), weak=False)
    session = client.authenticate_device(unique("device"), create=True)
    old_token = session.token
    sock = client.create_socket(reconnect=FAST)
    events = Events(sock, "reconnecting", "reconnected", "closed")
    try:
        sock.connect(session, connect_timeout=10)
        room = sock.join_chat(unique("room"), ChannelType.ROOM)
        proxy.refuse()
        proxy.cut()
        pump_until(sock, session.is_expired, timeout=5, what="the token to expire offline")
        proxy.refuse(False)
        pump_until(sock, lambda: events.of("reconnected") or events.of("closed"), timeout=10, what="reconnected")
        assert events.of("reconnected"), events.items
        assert refreshed == [session] and session.token != old_token and not session.is_expired()
        assert [c.id for c in events.of("reconnected")[0].channels] == [room.id]
        sock.ping()
    finally:
        sock.close()


def test_an_expired_refresh_token_stops_with_a_clear_reason(short_lived) -> None:
    _server, proxy, client = short_lived(1, 2)
    session = client.authenticate_device(unique("device"), create=True)
    sock = client.create_socket(reconnect=FAST)
    events = Events(sock, "reconnecting", "reconnected", "closed")
    try:
        sock.connect(session, connect_timeout=10)
        proxy.refuse()
        proxy.cut()
        pump_until(sock, session.is_refresh_expired, timeout=5, what="the refresh token to expire offline")
        proxy.refuse(False)
        pump_until(sock, lambda: events.of("closed"), timeout=10, what="closed")
        closed = events.of("closed")
        assert len(closed) == 1 and "refresh token has expired" in closed[0].reason and not closed[0].by_client
        assert not events.of("reconnected") and not sock.is_reconnecting
    finally:
        sock.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("nakama-sync-reconnect") and t.is_alive()]


def test_a_server_that_refuses_the_token_stops_the_retries(tmp_path: Path) -> None:
    db = str(tmp_path / "nakama.db")
    server = DevServer(port=0, database=db).start()
    port = server.port
    client = nakama_sync.Client(host="127.0.0.1", port=port, retries=RetryConfig(max_attempts=1))
    sock = client.create_socket(reconnect=FAST)
    events = Events(sock, "reconnecting", "reconnected", "closed")
    try:
        session = client.authenticate_device(unique("device"), create=True)
        sock.connect(session, connect_timeout=10)
        server.stop()
        server = DevServer(port=port, database=db, encryption_key="a-rotated-key").start()
        pump_until(sock, lambda: events.of("closed"), timeout=15, what="closed")
        closed = events.of("closed")[0]
        assert "refused the session" in closed.reason and "401" in closed.reason and not closed.by_client
        assert not events.of("reconnected")
    finally:
        sock.close()
        client.close()
        server.stop()
