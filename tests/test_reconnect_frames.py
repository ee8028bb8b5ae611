"""Bad frames while a match runs, and a game that stops polling (issue 6): the socket survives each bad
frame, keeps delivering the rest, and never grows its queue without bound."""
from __future__ import annotations

import threading
import time

import pytest

from nakama_sync import ReconnectPolicy

from ._proxy import Events
from ._socket_helpers import inject, pump_until, sockets  # noqa: F401


@pytest.mark.devserver_only("injects malformed frames from the server side")
def test_bad_frames_during_a_match_are_skipped_and_the_match_goes_on(devserver, sockets):  # noqa: F811
    a, session_a = sockets(with_session=True, max_receive_size=64 * 1024)
    b = sockets()
    events = Events(a, "received_match_state", "received_error", "reconnecting", "closed")
    match_id = a.create_match().match_id
    b.join_match(match_id)
    bad = [
        "not json at all",
        b"\x00\x01 a binary frame",
        '{"match_data": {"match_id": 12, "op_code": "1"}}',                          # wrong type
        '{"match_data": {"match_id": "m.", "op_code": "x"}}',                         # wrong type
        '{"match_data": {"match_id": "m.", "op_code": "1"}, "notifications": {}}',    # two payloads
        '{"match_data": {"match_id": "m.", "op_code": "1", "data": "' + "A" * 100_000 + '"}}',  # too big
    ]
    for n in range(len(bad) + 1):
        b.send_match_state(match_id, 1, str(n).encode())
        if n < len(bad):
            inject(devserver, session_a.user_id, bad[n])
    pump_until(a, lambda: len(events.of("received_match_state")) == len(bad) + 1, what="every good message")
    assert [int(e.data) for e in events.of("received_match_state")] == list(range(len(bad) + 1))
    errors = events.of("received_error")
    assert len(errors) == len(bad) and all(e.kind == "malformed_frame" for e in errors)
    assert "more than one message" in errors[4].message
    assert "max_receive_size" in errors[5].message and "100" in errors[5].message
    assert not events.of("reconnecting") and not events.of("closed")
    a.ping()


def test_a_game_that_stops_polling_drops_the_oldest_events(sockets):  # noqa: F811
    a = sockets(max_queued_events=50)
    b = sockets()
    match_id = a.create_match().match_id
    joined = Events(a, "received_match_presence")
    b.join_match(match_id)
    pump_until(a, lambda: joined.items, what="B's join")   # from now on only B's states arrive
    for n in range(200):   # a window of 48: the server closes a socket whose outgoing queue overflows
        b.send_match_state(match_id, 1, str(n).encode())
        window = time.monotonic() + 5
        while n - 48 >= 0 and a.dropped_events + a.pending_events < n - 48:
            assert time.monotonic() < window, (n, a.dropped_events, a.pending_events)
            threading.Event().wait(0.001)
    deadline = time.monotonic() + 5
    while a.dropped_events + a.pending_events < 201:   # 200 states + one overflow report
        assert time.monotonic() < deadline, (a.dropped_events, a.pending_events)
        threading.Event().wait(0.005)
    events = Events(a, "received_match_state", "received_error")
    pump_until(a, lambda: any(int(e.data) == 199 for e in events.of("received_match_state")), what="the last")
    seqs = [int(e.data) for e in events.of("received_match_state")]
    assert 49 <= len(seqs) <= 51 and seqs == list(range(200 - len(seqs), 200))   # the newest were kept
    overflow = events.of("received_error")
    assert len(overflow) == 1 and overflow[0].kind == "queue_overflow"
    assert a.dropped_events >= 200 - len(seqs) and a.pending_events == 0
    a.ping()


def test_queue_full_close_policy(sockets):  # noqa: F811
    a = sockets(max_queued_events=10, queue_full="close", reconnect=ReconnectPolicy())
    b = sockets()
    events = Events(a, "received_match_state", "closed", "reconnecting")
    match_id = a.create_match().match_id
    b.join_match(match_id)
    for n in range(20):
        b.send_match_state(match_id, 1, str(n).encode())
    deadline = time.monotonic() + 5
    while a.is_connected:
        assert time.monotonic() < deadline
        threading.Event().wait(0.005)
    pump_until(a, lambda: events.of("closed"), what="closed")
    assert "event queue full" in events.of("closed")[0].reason and not events.of("reconnecting")
    seqs = [int(e.data) for e in events.of("received_match_state")]
    assert len(seqs) >= 5 and seqs == list(range(len(seqs)))   # the oldest were kept, in order
