"""Reconnection in a running match, through a fault-injecting proxy (issue 6): a cut with 1,000 messages
in flight, a blackhole found by the heartbeat, 20 cuts in a row. They run against a real Nakama too (the
proxy then stands in front of it)."""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import nakama_sync

from ._proxy import FAST, Events, Proxy, proxied, proxy  # noqa: F401
from ._socket_helpers import pump_until, sockets  # noqa: F401


def _seq(event: Any) -> int:
    return int(event.data.decode())


def _match_pair(proxied: Any, sockets: Any, **options: Any) -> tuple[Any, Any, str, Events]:  # noqa: F811
    """Player A through the proxy, player B direct, both in one relayed match; A's events recorded."""
    a_client = proxied()
    session_a = a_client.authenticate_device(f"device-a-{time.monotonic_ns()}", create=True)
    a = a_client.create_socket(**{"reconnect": FAST, **options})
    events = Events(a, "received_match_state", "reconnecting", "reconnected", "closed", "received_error")
    a.connect(session_a, appear_online=False, connect_timeout=10)
    b = sockets()
    match = a.create_match()
    presences = Events(a, "received_match_presence")
    b.join_match(match.match_id)
    pump_until(a, lambda: presences.items, what="B's join")
    return a, b, match.match_id, events


def _frames(stream: bytes) -> list[dict[str, Any]]:
    """The complete WebSocket text frames (server to client, unmasked) in a recorded byte stream."""
    head = stream.find(b"\r\n\r\n")
    pos, out = head + 4, []
    while pos + 2 <= len(stream):
        opcode, size = stream[pos] & 0x0F, stream[pos + 1] & 0x7F
        pos += 2
        if size == 126:
            if pos + 2 > len(stream):
                break
            size, pos = int.from_bytes(stream[pos:pos + 2], "big"), pos + 2
        elif size == 127:
            if pos + 8 > len(stream):
                break
            size, pos = int.from_bytes(stream[pos:pos + 8], "big"), pos + 8
        if pos + size > len(stream):
            break   # cut inside this frame: the client never got it whole
        if opcode == 1:
            out.append(json.loads(stream[pos:pos + size]))
        pos += size
    return out


def test_cut_mid_match_with_1000_messages_in_flight(target, sockets):  # noqa: F811
    with Proxy(target.host, target.port, record=True) as rec_proxy:
        def make_client() -> nakama_sync.Client:
            return nakama_sync.Client(server_key=target.server_key, host="127.0.0.1", port=rec_proxy.port,
                                      ssl=target.ssl)
        a_client = make_client()
        try:
            _run_cut_mid_match(rec_proxy, a_client, sockets)
        finally:
            a_client.close()


def _run_cut_mid_match(rec_proxy: Proxy, a_client: nakama_sync.Client, sockets: Any) -> None:  # noqa: F811
    session_a = a_client.authenticate_device(f"device-a-{time.monotonic_ns()}", create=True)
    a_client.close()   # only the socket goes through the proxy: its newest connection is the socket's
    # a long heartbeat: A sends nothing while the blast arrives, so the cut is a clean FIN
    a = a_client.create_socket(reconnect=FAST, heartbeat_interval=5.0)
    try:
        events = Events(a, "received_match_state", "reconnecting", "reconnected", "closed")
        presences = Events(a, "received_match_presence")
        a.connect(session_a, appear_online=False, connect_timeout=10)
        b = sockets()
        match_id = a.create_match().match_id
        b.join_match(match_id)
        pump_until(a, lambda: presences.items, what="B's join")
        socket_stream = next(r for r in rec_proxy.recordings if r.startswith(b"HTTP/1.1 101"))
        rec_proxy.cut_after(len(socket_stream) + 60_000)   # about 300 messages from now
        # B streams 1,000 messages. A server closes a socket whose outgoing queue (64) overflows, so B
        # keeps at most 48 in flight towards A; while A is away B goes on sending (those are lost:
        # the server does not keep them), slowly enough not to flood A once it is back.
        states = events.of
        sent, resumed_at = 0, None
        deadline = time.monotonic() + 30
        while sent < 1000:
            assert time.monotonic() < deadline, ("the stream stalled", sent, resumed_at, events.items[-3:], len(events.items))
            got = states("received_match_state")
            away = len(states("reconnecting")) > len(states("reconnected"))
            if resumed_at is None and states("reconnected"):
                resumed_at = sent
            last = max(_seq(got[-1]) if got else -1, -1 if resumed_at is None else resumed_at - 1)
            if away or sent - last - 1 >= 48:
                a.poll(0.002)
                if not away:
                    continue
            b.send_match_state(match_id, 1, str(sent).encode())
            sent += 1
        pump_until(a, lambda: states("received_match_state") and _seq(states("received_match_state")[-1]) == 999,
                   timeout=10, what="the last message")
        assert resumed_at is not None, "the socket never came back during the stream"
        back = events.of("reconnected")[0]
        assert [m.match_id for m in back.matches] == [match_id] and back.lost == []
        seqs = [_seq(e) for e in events.of("received_match_state")]
        assert seqs == sorted(set(seqs)), "a message was delivered twice or out of order"
        assert set(range(resumed_at, 1000)) <= set(seqs), "a message sent after the reconnect was lost"
        first = [int(base64.b64decode(f["match_data"]["data"])) for f in _frames(bytes(socket_stream))
                 if "match_data" in f]
        assert 100 < len(first) < resumed_at, "the cut did not happen mid-stream"
        assert seqs[:len(first)] == first, "a message that reached the client before the cut was lost"
        assert not events.of("closed") and events.of("reconnecting")[0].attempt == 1
        assert a.dropped_events == 0
    finally:
        a.close()


def test_blackhole_is_detected_by_the_heartbeat_then_the_match_resumes(proxied, proxy, sockets):  # noqa: F811
    a, b, match_id, events = _match_pair(proxied, sockets, heartbeat_interval=0.2, heartbeat_timeout=0.3)
    try:
        start = time.monotonic()
        proxy.blackhole()
        pump_until(a, lambda: events.of("reconnecting"), timeout=5, what="the heartbeat timeout")
        detected = time.monotonic() - start
        assert detected < 0.2 + 0.3 + 0.6, detected
        assert "heartbeat" in events.of("reconnecting")[0].cause
        pump_until(a, lambda: events.of("reconnected"), timeout=10, what="reconnected")
        assert [m.match_id for m in events.of("reconnected")[0].matches] == [match_id]
        b.send_match_state(match_id, 7, b"after")
        pump_until(a, lambda: events.of("received_match_state"), what="a message after the reconnect")
        assert events.of("received_match_state")[-1].data == b"after"
        a.ping()
        assert not events.of("closed")
    finally:
        a.close()


def test_twenty_cuts_in_a_row_with_a_match_running(proxied, proxy, sockets):  # noqa: F811
    a, b, match_id, events = _match_pair(proxied, sockets)
    try:
        for cycle in range(20):
            proxy.cut()
            pump_until(a, lambda c=cycle: len(events.of("reconnected")) == c + 1, timeout=10,
                       what=f"reconnect {cycle}")
            assert [m.match_id for m in events.of("reconnected")[-1].matches] == [match_id]
            b.send_match_state(match_id, 1, str(cycle).encode())
            pump_until(a, lambda c=cycle: any(_seq(e) == c for e in events.of("received_match_state")),
                       what=f"message {cycle}")
        seqs = [_seq(e) for e in events.of("received_match_state")]
        assert seqs == list(range(20))
        assert not events.of("closed") and a.is_connected and not a.is_reconnecting
        assert all(not e.lost for e in events.of("reconnected"))
    finally:
        a.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("nakama-sync-reconnect") and t.is_alive()]
