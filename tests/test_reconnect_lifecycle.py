"""Reconnection lifecycle (issue 6): close during backoff or connect, requests and sends while
disconnected, the send buffer, what is restored and what is reported lost, giving up."""
from __future__ import annotations

import socket as _socketlib
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ChannelType, ConnectionClosed, ReconnectPolicy

from ._proxy import FAST, Events, proxied, proxy  # noqa: F401
from ._socket_helpers import pump_until, sockets  # noqa: F401
from .conftest import unique


def _reconnect_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("nakama-sync-reconnect") and t.is_alive()]


def _connect_a(proxied: Any, new_session: Any, **options: Any) -> tuple[Any, Any, Events]:  # noqa: F811
    session = new_session()
    a = proxied().create_socket(**{"reconnect": FAST, **options})
    events = Events(a, "reconnecting", "reconnected", "closed", "received_error")
    a.connect(session, appear_online=False, connect_timeout=10)
    return a, session, events


def test_close_during_backoff_stops_at_once(proxied, proxy, new_session):  # noqa: F811
    slow = ReconnectPolicy(base_delay=30, max_delay=30, jitter=0)
    a, _, events = _connect_a(proxied, new_session, reconnect=slow)
    accepted = proxy.accepted
    proxy.cut()
    pump_until(a, lambda: events.of("reconnecting"), what="reconnecting")
    assert events.of("reconnecting")[0].delay == 30 and a.is_reconnecting and not a.is_connected
    start = time.monotonic()
    a.close()
    assert time.monotonic() - start < 1.0
    assert not _reconnect_threads() and not a.is_reconnecting
    a.poll()
    closed = events.of("closed")
    assert len(closed) == 1 and closed[0].by_client
    # No reconnect thread is left (asserted above), so nothing can reconnect from here on.
    a.poll()
    assert proxy.accepted == accepted and not events.of("reconnected") and len(events.of("closed")) == 1


def test_close_during_connect_wins(client, new_session):
    session = new_session()
    mute = _socketlib.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(1)   # the TCP handshake completes in the backlog; the WebSocket upgrade never does
    try:
        quiet = nakama_sync.Client(host="127.0.0.1", port=mute.getsockname()[1])
        sock = quiet.create_socket()
        outcome: list[BaseException] = []

        def connect() -> None:
            try:
                sock.connect(session, connect_timeout=20)
            except BaseException as exc:  # noqa: BLE001 - asserted below
                outcome.append(exc)
        thread = threading.Thread(target=connect)
        thread.start()
        deadline = time.monotonic() + 5
        while sock._abort_opening is None:
            assert time.monotonic() < deadline, "the connect never started its handshake"
            threading.Event().wait(0.01)
        start = time.monotonic()
        sock.close()
        thread.join(5)
        assert time.monotonic() - start < 2.0
        assert len(outcome) == 1 and isinstance(outcome[0], ConnectionClosed), outcome
        assert not sock.is_connected
        quiet.close()
    finally:
        mute.close()


def test_requests_in_flight_fail_at_once_and_sends_while_away_raise(proxied, proxy, new_session):  # noqa: F811
    a, _, events = _connect_a(proxied, new_session)
    proxy.blackhole()               # the ping below is never answered...
    fut = a.ping_nowait()
    proxy.refuse()
    start = time.monotonic()
    proxy.cut()                     # ...and the connection drops
    assert isinstance(fut.exception(timeout=2), ConnectionClosed)
    assert time.monotonic() - start < 1.0
    pump_until(a, lambda: events.of("reconnecting"), what="reconnecting")
    with pytest.raises(ConnectionClosed):
        a.send_match_state("abc.", 1, b"x")
    with pytest.raises(ConnectionClosed):
        a.ping()
    assert time.monotonic() - start < 2.0
    proxy.refuse(False)
    pump_until(a, lambda: events.of("reconnected"), timeout=10, what="reconnected")
    a.ping()
    a.close()


def test_send_buffer_is_flushed_after_the_reconnect(proxied, proxy, new_session, sockets):  # noqa: F811
    a, _, events = _connect_a(proxied, new_session, send_buffer=3)
    b = sockets()
    match_id = a.create_match().match_id
    b.join_match(match_id)
    got = Events(b, "received_match_state")
    proxy.refuse()
    proxy.cut()
    pump_until(a, lambda: events.of("reconnecting"), what="reconnecting")
    for n in range(3):
        a.send_match_state(match_id, 1, bytes([n]))
    with pytest.raises(ConnectionClosed, match="send buffer is full"):
        a.send_match_state(match_id, 1, b"too many")
    proxy.refuse(False)
    pump_until(a, lambda: events.of("reconnected"), timeout=10, what="reconnected")
    pump_until(b, lambda: len(got.items) == 3, what="the buffered messages")
    assert [e.data for e in got.of("received_match_state")] == [b"\x00", b"\x01", b"\x02"]
    a.close()


def test_restores_status_follows_chat_and_matches_and_reports_the_rest(
        target, proxied, proxy, new_session, sockets):  # noqa: F811
    a, session_a, events = _connect_a(proxied, new_session)
    b, session_b = sockets(with_session=True)
    a.update_status("hunting")
    a.follow_users([session_b.user_id])
    room = a.join_chat(unique("room"), ChannelType.ROOM, persistence=False, hidden=True)
    left = a.join_chat(unique("left"), ChannelType.ROOM)
    a.leave_chat(left.id)
    match_id = a.create_match().match_id
    b.join_match(match_id)
    auth_id = a.rpc("create_echo_match", "{}").payload.strip('"')
    a.join_match(auth_id)
    ticket = a.add_matchmaker("*", 2, 2).ticket
    party = a.create_party(True, 4)
    proxy.cut()
    pump_until(a, lambda: events.of("reconnected"), timeout=10, what="reconnected")
    back = events.of("reconnected")[0]
    assert back.status_restored and back.followed_user_ids == [session_b.user_id]
    assert [c.id for c in back.channels] == [room.id]
    assert {m.match_id for m in back.matches} == {match_id, auth_id}
    assert {(i.kind, i.id) for i in back.lost} == {("matchmaker_ticket", ticket), ("party", party.party_id)}
    assert back.lost_kinds() == {"matchmaker_ticket", "party"} and back.attempts == 1
    status = b.follow_users([session_a.user_id])   # the server shows A's status again
    assert [p.status for p in status.presences] == ["hunting"]
    a.write_chat_message(room.id, {"text": "back"})   # still in the room
    presences = Events(b, "received_match_presence")
    a.leave_match(match_id)
    pump_until(b, lambda: presences.items, what="A leaving the match it rejoined")
    proxy.cut()                                        # the lost items are not reported twice
    pump_until(a, lambda: len(events.of("reconnected")) == 2, timeout=10, what="second reconnect")
    again = events.of("reconnected")[1]
    assert again.lost == [] and [m.match_id for m in again.matches] == [auth_id]
    a.close()


def test_a_match_that_ended_is_reported_lost(proxied, proxy, new_session):  # noqa: F811
    a, _, events = _connect_a(proxied, new_session)
    match_id = a.create_match().match_id   # a relayed match alone: it ends when A drops
    proxy.cut()
    pump_until(a, lambda: events.of("reconnected"), timeout=10, what="reconnected")
    back = events.of("reconnected")[0]
    assert back.matches == [] and [(i.kind, i.id) for i in back.lost] == [("match", match_id)]
    assert "match" in back.lost[0].reason.lower()
    a.close()


def test_giving_up_after_max_attempts(proxied, proxy, new_session):  # noqa: F811
    policy = ReconnectPolicy(base_delay=0.01, max_delay=0.02, max_attempts=3)
    a, _, events = _connect_a(proxied, new_session, reconnect=policy)
    proxy.refuse()
    proxy.cut()
    pump_until(a, lambda: events.of("closed"), timeout=10, what="closed")
    assert [e.attempt for e in events.of("reconnecting")] == [1, 2, 3]
    assert "gave up reconnecting after 3 attempt(s)" in events.of("closed")[0].reason
    a.close()
    assert not _reconnect_threads()


def test_reconnect_off(proxied, proxy, new_session):  # noqa: F811
    a, _, events = _connect_a(proxied, new_session, reconnect=False)
    proxy.cut()
    pump_until(a, lambda: events.of("closed"), what="closed")
    assert not events.of("reconnecting") and not events.of("closed")[0].by_client
    a.close()
