"""Threads: concurrent senders, handlers on the reader thread, close from anywhere, liveness (issue 3)."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from nakama_sync import ConnectionClosed, RequestTimeout
from nakama_sync.models import MatchData, Notification, SocketClosed, SocketErrorEvent

from ._proxy import proxied, proxy, silent_socket  # noqa: F401
from ._socket_helpers import pump_until, recorder, server_sessions, sockets  # noqa: F401


def test_eight_threads_send_concurrently(sockets):  # noqa: F811
    a, b = sockets(), sockets()
    match = a.create_match()
    b.join_match(match.match_id)
    received: list[MatchData] = []
    b.received_match_state.connect(lambda sender, event: received.append(event))
    per_thread, threads_n = 40, 8
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def worker(n: int) -> None:
        try:
            start.wait(5)
            for i in range(per_thread):
                reply = a.rpc("echo", f"t{n}-{i}")  # one request in flight per thread
                assert reply.payload == f"t{n}-{i}"
                a.send_match_state(match.match_id, n, f"{n}:{i}".encode())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads_n)]
    for t in workers:
        t.start()
    deadline = time.monotonic() + 30
    while any(t.is_alive() for t in workers) and time.monotonic() < deadline:
        b.poll(0.05)
    for t in workers:
        t.join(5)
    assert not errors, errors
    pump_until(b, lambda: len(received) == per_thread * threads_n, timeout=10, what="all states")
    by_thread: dict[int, list[int]] = {}
    for event in received:
        n, i = event.data.decode().split(":")
        assert event.op_code == int(n)
        by_thread.setdefault(int(n), []).append(int(i))
    assert by_thread == {n: list(range(per_thread)) for n in range(threads_n)}  # each thread's order kept
    assert a.is_connected and b.is_connected


def test_blocking_call_inside_handler_during_poll(sockets):  # noqa: F811
    sock = sockets()
    replies: list[str] = []
    sock.received_notification.connect(lambda sender, event: replies.append(sender.rpc("echo", "inner").payload))
    sock.rpc("notify_me")
    pump_until(sock, lambda: replies, what="the handler's blocking rpc")
    assert replies == ["inner"]


def test_reader_thread_mode_delivers_on_reader(sockets):  # noqa: F811
    sock = sockets(use_main_thread=False)
    got = threading.Event()
    where: list[str] = []
    blocking_error: list[BaseException] = []
    callback_done = threading.Event()

    def on_note(sender, event):
        where.append(threading.current_thread().name)
        try:
            sender.ping()  # waiting on the reader thread would deadlock: refused at once
        except RuntimeError as exc:
            blocking_error.append(exc)
        sender.ping_nowait().add_done_callback(lambda f: callback_done.set())
        got.set()
    sock.received_notification.connect(on_note)
    sock.rpc("notify_me")
    assert got.wait(5)
    assert where[0].startswith("nakama-sync-reader")
    assert blocking_error and "deadlock" in str(blocking_error[0])
    assert callback_done.wait(5)
    assert sock.poll() == 0  # nothing queued in this mode
    with pytest.raises(RuntimeError):
        sock.next_event()


def test_reader_thread_handler_error_is_reported_and_reader_lives(sockets):  # noqa: F811
    sock = sockets(use_main_thread=False)
    errors: list[SocketErrorEvent] = []
    got = threading.Event()
    notes: list[Notification] = []

    def bad(sender, event):
        notes.append(event)
        if len(notes) == 1:
            raise KeyError("handler bug")
        got.set()
    sock.received_error.connect(lambda sender, event: errors.append(event))
    sock.received_notification.connect(bad)
    sock.rpc("notify_me")
    sock.rpc("notify_me")
    assert got.wait(5)
    assert errors and errors[0].kind == "handler_error" and isinstance(errors[0].exception, KeyError)
    sock.ping()


def test_close_from_a_handler(sockets):  # noqa: F811
    sock = sockets()
    closed = recorder(sock, "closed")
    sock.received_notification.connect(lambda sender, event: sender.close())
    sock.rpc("notify_me")
    pump_until(sock, lambda: closed, what="closed")
    assert not sock.is_connected and len(closed) == 1 and closed[0].by_client
    sock.poll()
    assert len(closed) == 1


def test_close_from_a_handler_on_reader_thread(sockets):  # noqa: F811
    sock = sockets(use_main_thread=False)
    closed = threading.Event()
    count: list[SocketClosed] = []
    sock.closed.connect(lambda sender, event: (count.append(event), closed.set()))
    sock.received_notification.connect(lambda sender, event: sender.close())
    sock.rpc_nowait("notify_me")
    assert closed.wait(5)
    assert len(count) == 1 and not sock.is_connected


def test_close_during_poll_fails_waiting_requests_at_once(silent_socket):  # noqa: F811
    sock, _ = silent_socket(request_timeout=30, heartbeat_interval=None)  # no reply will ever come
    closed = recorder(sock, "closed")
    outcome: list[BaseException] = []
    waiting = threading.Event()

    def wait_for_reply() -> None:
        fut = sock.ping_nowait()
        waiting.set()
        try:
            fut.result()
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome.append(exc)
    waiter = threading.Thread(target=wait_for_reply)
    waiter.start()
    assert waiting.wait(5)
    closer = threading.Timer(0.1, sock.close)
    closer.start()
    start = time.monotonic()
    pump_until(sock, lambda: closed, timeout=5, what="closed while polling")
    waiter.join(5)
    closer.join(5)
    assert time.monotonic() - start < 3
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionClosed)
    assert len(closed) == 1


def test_silent_server_is_detected_by_the_heartbeat(silent_socket):  # noqa: F811
    sock, _ = silent_socket(heartbeat_interval=0.3, heartbeat_timeout=0.4, reconnect=False)
    closed = recorder(sock, "closed")
    start = time.monotonic()
    pump_until(sock, lambda: closed, timeout=5, what="heartbeat timeout")
    assert time.monotonic() - start < 2.5
    assert len(closed) == 1 and "heartbeat" in closed[0].reason and not closed[0].by_client
    assert not sock.is_connected
    with pytest.raises(ConnectionClosed):
        sock.ping()


def test_heartbeat_keeps_a_quiet_connection_open(sockets):  # noqa: F811
    sock = sockets(heartbeat_interval=0.1, heartbeat_timeout=0.5)
    closed = recorder(sock, "closed")
    quiet = threading.Event()
    quiet.wait(1.0)  # a quiet period several heartbeats long (the condition under test is "nothing happens")
    sock.poll()
    assert not closed and sock.is_connected
    sock.ping()


@pytest.mark.devserver_only("closes one session from the server side")
def test_server_close_fires_closed_once_and_fails_requests(devserver, sockets):  # noqa: F811
    sock, session = sockets(with_session=True)
    closed = recorder(sock, "closed")
    server = server_sessions(devserver, session.user_id)[0]
    devserver.call(lambda: server.close("server-side session disconnect"))
    pump_until(sock, lambda: closed, what="closed")
    assert closed[0].code == 1000 and "server-side session disconnect" in closed[0].reason
    assert isinstance(sock.ping_nowait().exception(), ConnectionClosed)
    sock.close()
    sock.poll()
    assert len(closed) == 1


def test_request_timeout_fails_callbacks_too(silent_socket):  # noqa: F811
    sock, _ = silent_socket(request_timeout=0.2, heartbeat_interval=None)
    results: list[Any] = []
    sock.ping_nowait().add_done_callback(lambda f: results.append(f.exception()))
    pump_until(sock, lambda: results, timeout=3, what="the timeout callback")
    assert isinstance(results[0], RequestTimeout)
