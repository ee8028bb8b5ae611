"""Issue 13, socket side: a hostile raw WebSocket server (tests/_hostile_server.py) against the Socket.

Decoding (nothing from the network kills the reader or becomes a wrong event), size (whole messages are
bounded), time (every blocking call keeps its bound), server kicks, threads and order. Every wait has a
deadline; nothing sleeps to wait for something.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ConnectionClosed, HttpTimeout, ReconnectPolicy, SocketError
from nakama_sync.exceptions import ReentrantPollError

from ._hostile_server import HostileServer, Peer, frame, read_request, upgrade_response
from ._socket_helpers import pump_until

pytestmark = pytest.mark.timeout(60)

MATCH = "5c1b5d7b-8d0a-4b2c-9d1e-0f2a3b4c5d6e."
GOOD = {"match_data": {"match_id": MATCH, "op_code": "7", "data": base64.b64encode(b"ok").decode()}}


def _open(server: HostileServer, **options: Any) -> nakama_sync.Socket:
    options.setdefault("reconnect", False)
    sock = server.client().create_socket(**options)
    sock.connect(server.session(), connect_timeout=5)
    return sock


@pytest.fixture
def made() -> Iterator[list[nakama_sync.Socket]]:
    sockets: list[nakama_sync.Socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def _collect(sock: nakama_sync.Socket) -> tuple[list[Any], list[Any]]:
    states: list[Any] = []
    errors: list[Any] = []
    sock.received_match_state.connect(lambda sender, event: states.append(event))
    sock.received_error.connect(lambda sender, event: errors.append(event))
    return states, errors


def _script_sending(*frames_: bytes | dict[str, Any]) -> Any:
    def script(peer: Peer) -> None:
        for item in frames_:
            if isinstance(item, dict):
                peer.send_text(item)
            else:
                peer.send_raw(item)
        peer.wait_closed()
    return script


# ---- decoding ------------------------------------------------------------------------------------------
def test_deeply_nested_json_is_reported_and_the_reader_lives_on(made):
    nested = b"[" * 100_000 + b"]" * 100_000
    with HostileServer(_script_sending(frame(nested), frame(b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
                                       GOOD)) as server:
        sock = _open(server)
        made.append(sock)
        states, errors = _collect(sock)
        pump_until(sock, lambda: states, what="the frame after the nested ones")
        assert [e.kind for e in errors] == ["malformed_frame", "malformed_frame"]
        assert states[0].op_code == 7 and states[0].data == b"ok"
        assert sock.is_connected


@pytest.mark.parametrize("bad", [
    {"op_code": {}}, {"op_code": []}, {"op_code": True}, {"op_code": 1.9}, {"op_code": "1.9"},
    {"data": "not base64!!"}, {"data": 5}, {"match_id": 3}, {"reliable": "yes"},
    {"presence": "someone"}, {"presence": {"user_id": 5}},
])
def test_wrong_field_types_are_reported_never_made_up(made, bad):
    body = {"match_id": MATCH, "op_code": "1", "data": "eHk=", **bad}
    with HostileServer(_script_sending({"match_data": body}, {"match_data": None}, GOOD)) as server:
        sock = _open(server)
        made.append(sock)
        states, errors = _collect(sock)
        pump_until(sock, lambda: states, what="the good frame")
        assert len(states) == 1 and states[0].op_code == 7   # no made-up event before it
        assert [e.kind for e in errors] == ["malformed_frame", "malformed_frame"]


def test_a_reply_missing_its_required_fields_fails_the_request(made):
    def script(peer: Peer) -> None:
        request = peer.recv_message()
        peer.reply(request, {})                                   # {"cid": ...} for match_create
        request = peer.recv_message()
        peer.reply(request, {"match": {"match_id": 5}})           # wrong type
        request = peer.recv_message()
        peer.reply(request, {"error": {"code": "x", "message": 3}})   # malformed error
        request = peer.recv_message()
        peer.send_text({"cid": 7, "rpc": {"id": "echo"}})         # a cid that is not a string
        peer.reply(request, {"rpc": {"id": "echo", "payload": "fine"}})
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = _open(server)
        made.append(sock)
        for _ in range(3):
            with pytest.raises(SocketError) as info:
                sock.create_match()
            assert info.value.code == SocketError.UNRECOGNIZED_PAYLOAD
        errors: list[Any] = []
        sock.received_error.connect(lambda sender, event: errors.append(event))
        assert sock.rpc("echo").payload == "fine"
        pump_until(sock, lambda: errors, what="the report of the bad cid")
        assert "cid" in errors[0].message


# ---- size ----------------------------------------------------------------------------------------------
def test_a_fragmented_message_over_the_limit_is_refused_whole(made):
    big = json.dumps({"match_data": {"match_id": MATCH, "op_code": "1",
                                     "data": base64.b64encode(b"z" * 3000).decode()}}).encode()
    parts = [big[i:i + 1000] for i in range(0, len(big), 1000)]
    frames_ = [frame(parts[0], 0x1, fin=False)]
    frames_ += [frame(p, 0x0, fin=False) for p in parts[1:-1]]
    frames_.append(frame(parts[-1], 0x0, fin=True))
    with HostileServer(_script_sending(b"".join(frames_), GOOD)) as server:
        sock = _open(server, max_receive_size=2048)
        made.append(sock)
        states, errors = _collect(sock)
        pump_until(sock, lambda: states, what="the frame after the big one")
        assert [s.op_code for s in states] == [7]
        assert len(errors) == 1 and "max_receive_size" in errors[0].message


def test_a_frame_of_tiny_notifications_is_bounded(made):
    note = b'{"id":"1","subject":"s","content":"{}","code":1}'
    payload = b'{"notifications":{"notifications":[' + b",".join([note] * 60_000) + b"]}}"
    with HostileServer(_script_sending(frame(payload), GOOD)) as server:
        sock = _open(server, max_frame_objects=10_000)
        made.append(sock)
        states, errors = _collect(sock)
        notes: list[Any] = []
        sock.received_notification.connect(lambda sender, event: notes.append(event))
        pump_until(sock, lambda: states, what="the frame after the big one")
        assert notes == [] and len(errors) == 1 and "max_frame_objects" in errors[0].message


# ---- time ----------------------------------------------------------------------------------------------
def test_a_byte_at_a_time_upgrade_obeys_the_total_connect_timeout():
    def slow_upgrade(conn: Any) -> bool:
        response = upgrade_response(read_request(conn))
        for i in range(len(response)):
            if server.stop.wait(0.3):   # the hostile server's own pace; ends when the test is over
                return False
            conn.sendall(response[i:i + 1])
        return False

    with HostileServer(lambda peer: None, upgrade=slow_upgrade) as server:
        sock = server.client().create_socket(reconnect=False)
        start = time.monotonic()
        with pytest.raises(HttpTimeout):
            sock.connect(server.session(), connect_timeout=1.0)
        assert time.monotonic() - start < 2.5
        sock.close()


def test_a_server_that_stops_reading_bounds_send_and_close(made):
    with HostileServer(lambda peer: peer.stop.wait(30)) as server:   # never reads again
        sock = _open(server, send_timeout=0.5, max_message_size=None)
        made.append(sock)
        blob = b"x" * 60_000
        start = time.monotonic()
        with pytest.raises(ConnectionClosed, match="stopped reading"):
            for _ in range(100_000):
                sock.send_match_state(MATCH, 1, blob)
        assert time.monotonic() - start < 10   # filled the kernel buffers, then at most send_timeout
        start = time.monotonic()
        sock.close(timeout=1)
        assert time.monotonic() - start < 1.5


def test_close_does_not_wait_behind_a_stuck_send(made):
    with HostileServer(lambda peer: peer.stop.wait(30)) as server:
        sock = _open(server, send_timeout=20, max_message_size=None)
        made.append(sock)
        stuck = threading.Event()

        def flood() -> None:
            try:
                while True:
                    sock.send_match_state(MATCH, 1, b"x" * 60_000)
            except ConnectionClosed:
                stuck.set()
        sender = threading.Thread(target=flood)
        sender.start()
        time_limit = time.monotonic() + 10
        while sock._live is not None and not sock._live[0]._send_lock.locked():
            assert time.monotonic() < time_limit
            threading.Event().wait(0.001)
        start = time.monotonic()
        sock.close(timeout=1)
        assert time.monotonic() - start < 1.5
        sender.join(5)
        assert stuck.is_set()


def test_a_trickled_frame_does_not_keep_a_dead_server_alive(made):
    def script(peer: Peer) -> None:
        peer.trickle(frame(b'{"match_data":{"match_id":"' + b"m" * 500 + b'"}}'), 0.05, peer_stop)

    peer_stop = threading.Event()
    with HostileServer(script) as server:
        sock = _open(server, heartbeat_interval=0.5, heartbeat_timeout=0.5)
        made.append(sock)
        closed: list[Any] = []
        sock.closed.connect(lambda sender, event: closed.append(event))
        pump_until(sock, lambda: closed, timeout=10, what="closed")
        peer_stop.set()
        assert "heartbeat timeout" in closed[0].reason


# ---- server kicks --------------------------------------------------------------------------------------
def test_outgoing_queue_full_is_a_kick_not_a_goodbye(made):
    def script(peer: Peer) -> None:
        if server.connections == 1:
            peer.close_with(1000, "session outgoing queue full")
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = _open(server, reconnect=ReconnectPolicy(base_delay=0.01, max_delay=0.05, attempt_timeout=2))
        made.append(sock)
        back: list[Any] = []
        sock.reconnected.connect(lambda sender, event: back.append(event))
        pump_until(sock, lambda: back, what="reconnected")
        assert server.connections == 2 and sock.is_connected


def test_a_plain_goodbye_stays_final(made):
    with HostileServer(lambda peer: (peer.close_with(1000), peer.wait_closed())) as server:
        sock = _open(server, reconnect=ReconnectPolicy(base_delay=0.01))
        made.append(sock)
        closed: list[Any] = []
        sock.closed.connect(lambda sender, event: closed.append(event))
        pump_until(sock, lambda: closed, what="closed")
        assert closed[0].code == 1000 and server.connections == 1


# ---- threads and order ---------------------------------------------------------------------------------
def test_blocking_pumps_on_a_closed_socket_return_at_once(made):
    with HostileServer(lambda peer: peer.wait_closed()) as server:
        sock = _open(server)
        sock.close()
        assert sock.poll(None) == 2          # "connected", then "closed"
        start = time.monotonic()
        assert sock.poll(None) == 0
        assert sock.next_event(None) is None
        assert time.monotonic() - start < 0.5


def test_a_second_polling_thread_is_refused_at_once(made):
    with HostileServer(lambda peer: peer.wait_closed()) as server:
        sock = _open(server)
        made.append(sock)
        sock.poll()   # the "connected" event
        inside = threading.Event()
        outcome: list[Any] = []

        def first() -> None:
            inside.set()
            outcome.append(sock.poll(10))
        thread = threading.Thread(target=first)
        thread.start()
        inside.wait(5)
        deadline = time.monotonic() + 5
        while sock._pump._owner is None:
            assert time.monotonic() < deadline
        start = time.monotonic()
        with pytest.raises(ReentrantPollError, match="another thread"):
            sock.poll(5)
        assert time.monotonic() - start < 0.5
        sock.close()
        thread.join(5)
        assert outcome == [1]   # the first poller got the "closed" event: no lost wake-up


def test_reader_thread_mode_blocking_request_in_connected_fails_fast():
    def script(peer: Peer) -> None:
        peer.wait_closed()

    with HostileServer(script) as server:
        sock = server.client().create_socket(use_main_thread=False, reconnect=False, request_timeout=30)
        seen: list[BaseException] = []

        def on_connected(sender: Any, event: Any) -> None:
            try:
                sender.ping()
            except BaseException as exc:  # noqa: BLE001 - asserted below
                seen.append(exc)
        sock.connected.connect(on_connected)
        start = time.monotonic()
        sock.connect(server.session(), connect_timeout=5)
        deadline = time.monotonic() + 5
        while not seen:
            assert time.monotonic() < deadline
            threading.Event().wait(0.01)
        assert isinstance(seen[0], RuntimeError) and "deadlock" in str(seen[0])
        assert time.monotonic() - start < 5
        sock.close()


# ---- careless callers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "name"), [
    (lambda s: s.rpc(123), "id"),
    (lambda s: s.rpc("echo", 5), "payload"),
    (lambda s: s.create_match(name=123), "name"),
    (lambda s: s.update_status(123), "status"),
    (lambda s: s.leave_chat(123), "channel_id"),
    (lambda s: s.leave_match(123), "match_id"),
    (lambda s: s.join_match(123), "match_id"),
    (lambda s: s.join_chat(5, 1), "target"),
    (lambda s: s.send_match_state(MATCH, 1, data=0), "data"),
    (lambda s: s.send_match_state(MATCH, "1", b""), "op_code"),
    (lambda s: s.send_match_state(MATCH, 1, b"", presences="abc"), "presences"),
    (lambda s: s.send_match_state(123, 1, b""), "match_id"),
    (lambda s: s.write_chat_message(5, {}), "channel_id"),
])
def test_careless_arguments_are_refused_before_anything_is_sent(made, call, name):
    got: list[dict[str, Any]] = []

    def script(peer: Peer) -> None:
        try:
            while True:
                got.append(peer.recv_message(timeout=10))
        except (OSError, ConnectionError, TimeoutError):
            pass

    with HostileServer(script) as server:
        sock = _open(server)
        made.append(sock)
        with pytest.raises((TypeError, ValueError), match=name):
            call(sock)
        sock.close()
        assert got == [] and not server.errors
