"""Issue 13, reconnection side, against the hostile raw server: a refresh over a blackhole keeps the
policy's bounds and close() ends it at once; buffered sends are never overtaken; a drop right after a
restore keeps the events in order; close() leaves no reconnect thread behind."""
from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ConnectionClosed, ReconnectPolicy
from nakama_sync.client import RetryConfig

from ._hostile_server import HostileServer, Peer, fake_token, read_request, upgrade_response
from ._proxy import Events
from ._socket_helpers import pump_until

pytestmark = pytest.mark.timeout(60)

MATCH = "5c1b5d7b-8d0a-4b2c-9d1e-0f2a3b4c5d6e."


def _short_session(lifetime: int) -> nakama_sync.Session:
    return nakama_sync.Session.restore(fake_token(lifetime), fake_token(3600))


def _blackhole_after_first(server_ref: list[HostileServer]) -> Any:
    """First connection: a normal upgrade. Later ones (HTTP refresh or upgrade): read, never answer."""
    def upgrade(conn: Any) -> bool:
        request = read_request(conn)
        if server_ref[0].connections == 1:
            conn.sendall(upgrade_response(request))
            return True
        server_ref[0].stop.wait(30)
        return False
    return upgrade


def _going_away(peer: Peer) -> None:
    peer.close_with(1001, "going away")
    peer.wait_closed()


def _drop_then_blackhole() -> HostileServer:
    """A server that drops the first connection (1001) and never answers anything after it."""
    ref: list[HostileServer] = []
    server = HostileServer(_going_away, upgrade=_blackhole_after_first(ref))
    ref.append(server)
    return server


def test_a_refresh_over_a_blackhole_keeps_attempt_timeout_and_max_elapsed() -> None:
    with _drop_then_blackhole() as server:
        client = server.client(timeout=30, retries=RetryConfig(max_attempts=1))
        policy = ReconnectPolicy(base_delay=0.05, max_delay=0.1, attempt_timeout=0.5, max_elapsed=2.0)
        sock = client.create_socket(reconnect=policy)
        events = Events(sock, "reconnecting", "closed")
        try:
            session = _short_session(2)   # needs a refresh (inside its last 20 %) from the start
            sock.connect(session, connect_timeout=5)
            start = time.monotonic()
            pump_until(sock, lambda: events.of("closed"), timeout=10, what="giving up")
            took = time.monotonic() - start
            assert "gave up" in events.of("closed")[0].reason
            assert took < 4.0, took   # max_elapsed 2 s (+ one attempt), not the HTTP timeout of 30 s
        finally:
            sock.close(timeout=2)
            client.close()


def test_close_during_a_blackholed_refresh_ends_it_as_closed_by_the_client() -> None:
    with _drop_then_blackhole() as server:
        client = server.client(timeout=1.0, retries=RetryConfig(max_attempts=1))
        sock = client.create_socket(reconnect=ReconnectPolicy(base_delay=0.01, attempt_timeout=30, max_elapsed=60))
        events = Events(sock, "reconnecting", "closed")
        try:
            sock.connect(_short_session(2), connect_timeout=5)
            pump_until(sock, lambda: events.of("reconnecting"), what="the first attempt")
            deadline = time.monotonic() + 5
            while server.connections < 2:   # the refresh reached the blackhole
                assert time.monotonic() < deadline
                threading.Event().wait(0.01)
            start = time.monotonic()
            sock.close(timeout=2)
            assert time.monotonic() - start < 2.5
            assert not any(t.name.startswith("nakama-sync-reconnect") and t.is_alive() for t in threading.enumerate())
            pump_until(sock, lambda: events.of("closed"), what="closed")
            assert events.of("closed")[0].reason == "closed by the client" and events.of("closed")[0].by_client
        finally:
            sock.close()
            client.close()


def test_buffered_sends_are_never_overtaken_after_a_reconnect() -> None:
    seen: list[int] = []
    done = threading.Event()
    total = 400

    def script(peer: Peer) -> None:
        if server.connections == 1:
            peer.recv_message()                  # the first state, then a drop
            peer.close_with(1001, "going away")
            peer.wait_closed()
            return
        while not done.is_set():
            message = peer.recv_message(timeout=10)
            body = message.get("match_data_send")
            if body is not None:
                seq = int(base64.b64decode(body["data"]))
                seen.append(seq)
                if seq == total - 1:
                    done.set()

    with HostileServer(script) as server:
        sock = server.client().create_socket(
            send_buffer=1000, reconnect=ReconnectPolicy(base_delay=0.1, max_delay=0.1, jitter=0))
        try:
            sock.connect(server.session(), connect_timeout=5)
            for seq in range(total):
                while True:
                    try:
                        sock.send_match_state(MATCH, 1, str(seq).encode())
                        break
                    except ConnectionClosed:   # between the drop and the reconnector taking it up
                        threading.Event().wait(0.001)
                if seq % 20 == 0:
                    sock.poll()
                    threading.Event().wait(0.002)   # pace the sender across the reconnect
            assert done.wait(20), seen[-5:]
            assert seen == sorted(seen) and seen[-1] == total - 1
        finally:
            sock.close()


@pytest.mark.parametrize("when", ["during the restore", "right after the restore"])
def test_a_drop_around_a_restore_keeps_reconnected_last(when: str) -> None:
    drops = 2

    def script(peer: Peer) -> None:
        n = server.connections
        if n == 1:
            peer.close_with(1001, "going away")
        else:
            request = peer.recv_message()   # the restore's status request
            if n > drops or when == "right after the restore":
                peer.reply(request, {})
            if n <= drops:
                peer.close_with(1001, "going away")
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = server.client().create_socket(reconnect=ReconnectPolicy(base_delay=0.01, max_delay=0.02))
        events = Events(sock, "reconnecting", "reconnected", "closed")
        try:
            sock.connect(server.session(), connect_timeout=5)
            sock._tracker.state.status = "restored"   # something to restore (as update_status would)
            pump_until(sock, lambda: server.connections > drops and sock.is_connected and not sock.is_reconnecting,
                       timeout=10, what="the last reconnect")
            pump_until(sock, lambda: events.items and events.items[-1][0] == "reconnected", what="reconnected")
            sock.poll()
            assert events.items[-1][0] == "reconnected" and not events.of("closed")
            assert sock.is_connected and not sock.is_reconnecting
        finally:
            sock.close()
        alive = [t.name for t in threading.enumerate() if t.name.startswith("nakama-sync-reconnect") and t.is_alive()]
        assert alive == []


def test_status_frames_of_a_restore_are_answered() -> None:
    """A restore waits for its replies: a server that answers them gets ``reconnected`` with status back."""
    def script(peer: Peer) -> None:
        if server.connections == 1:
            peer.close_with(1001, "going away")
            peer.wait_closed()
            return
        request = peer.recv_message()
        peer.reply(request, {})
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = server.client().create_socket(reconnect=ReconnectPolicy(base_delay=0.01))
        events = Events(sock, "reconnected")
        try:
            sock.connect(server.session(), connect_timeout=5)
            sock._tracker.state.status = "busy"
            pump_until(sock, lambda: events.of("reconnected"), what="reconnected")
            assert events.of("reconnected")[0].status_restored
        finally:
            sock.close()
