"""Relayed matches over two (or more) real sockets: every request and the events it causes (issue 3)."""
from __future__ import annotations

import time

import pytest

from nakama_sync import SocketError
from nakama_sync.models import Match, MatchData, MatchPresenceEvent

from ._socket_helpers import pump_until, recorder, sockets  # noqa: F401


def _joined(events: list[MatchPresenceEvent], session_id: str) -> bool:
    return any(p.session_id == session_id for e in events for p in e.joins)


def test_create_join_state_leave(sockets):  # noqa: F811
    a, b = sockets(), sockets()
    a_presence, b_presence = recorder(a, "received_match_presence"), recorder(b, "received_match_presence")
    a_state, b_state = recorder(a, "received_match_state"), recorder(b, "received_match_state")

    match = a.create_match()
    assert isinstance(match, Match) and match.match_id.endswith(".")
    assert match.self_presence is not None and not match.authoritative
    joined = b.join_match(match.match_id)
    assert joined.match_id == match.match_id
    assert [p.session_id for p in joined.presences] == [match.self_presence.session_id]
    b_me = joined.self_presence
    pump_until(a, lambda: _joined(a_presence, b_me.session_id), what="B's join on A")
    pump_until(b, lambda: _joined(b_presence, b_me.session_id), what="B's own join")

    a.send_match_state(match.match_id, 7, b"\x00\xff\x10")
    a.send_match_state(match.match_id, 8, "héllo")
    a.send_match_state(match.match_id, 0)
    pump_until(b, lambda: len(b_state) == 3, what="three states")
    first, second, third = b_state
    assert isinstance(first, MatchData)
    assert (first.op_code, first.data, first.reliable) == (7, b"\x00\xff\x10", True)
    assert first.presence.session_id == match.self_presence.session_id
    assert (second.op_code, second.data) == (8, "héllo".encode())
    assert (third.op_code, third.data) == (0, b"")

    b.send_match_state(match.match_id, 2, b"to-a", presences=[match.self_presence], reliable=False)
    pump_until(a, lambda: a_state, what="state on A")
    assert a_state[0].data == b"to-a" and a_state[0].reliable is False
    assert a_state[0].presence.session_id == b_me.session_id

    b.leave_match(match.match_id)
    pump_until(a, lambda: any(p.session_id == b_me.session_id for e in a_presence for p in e.leaves),
               what="B's leave on A")
    a.leave_match(match.match_id)


def test_named_match_and_nowait_forms(sockets):  # noqa: F811
    a, b = sockets(), sockets()
    name = f"room-{time.monotonic_ns()}"
    first = a.create_match_nowait(name).result()
    second = b.create_match_nowait(name).result()
    assert first.match_id == second.match_id
    assert b.leave_match_nowait(second.match_id).result() is None


def test_join_match_errors(sockets):  # noqa: F811
    sock = sockets()
    with pytest.raises(SocketError) as info:
        sock.join_match("00000000-0000-0000-0000-000000000000.")
    assert info.value.code == SocketError.MATCH_NOT_FOUND
    with pytest.raises(SocketError) as info:
        sock.join_match("not-a-match-id")
    assert info.value.code == SocketError.BAD_INPUT
    with pytest.raises(ValueError):
        sock.join_match()
    with pytest.raises(ValueError):
        sock.join_match("a.", token="t")
    sock.ping()


def test_ten_thousand_states_exactly_once_in_order(sockets):  # noqa: F811
    """One player sends 10,000 states; the other gets each once, in order, intact.

    The sender keeps at most WINDOW messages in flight (it waits for the receiver to catch up), because a
    server closes a socket whose outgoing queue (64) overflows; the receiver's reader thread reads on.
    """
    total, window = 10_000, 48
    a, b = sockets(), sockets()
    match = a.create_match()
    b.join_match(match.match_id)
    received: list[MatchData] = []
    b.received_match_state.connect(lambda sender, event: received.append(event))
    sent = 0
    deadline = time.monotonic() + 60
    while sent < total:
        while sent < total and sent - len(received) < window:
            a.send_match_state(match.match_id, sent % 1000, sent.to_bytes(4, "big") + b"payload")
            sent += 1
        b.poll(0.5)
        assert time.monotonic() < deadline, f"stuck at {len(received)} of {total}"
    pump_until(b, lambda: len(received) >= total, timeout=30, what="all states")
    b.poll(0.05)
    assert len(received) == total
    for i, event in enumerate(received):
        assert event.data == i.to_bytes(4, "big") + b"payload", f"message {i} out of order or damaged"
        assert event.op_code == i % 1000
    assert a.is_connected and b.is_connected
