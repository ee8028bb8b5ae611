"""Socket lifecycle, requests and futures, poll() semantics, handler errors (issue 3)."""
from __future__ import annotations

import base64
import gc
import json
import threading
import time
from typing import Any

import pytest

import nakama_sync
from nakama_sync import (
    ApiError,
    ConnectionClosed,
    ReentrantPollError,
    RequestTimeout,
    SessionError,
    SocketError,
)
from nakama_sync.models import Notification, SocketClosed, SocketConnected

from ._proxy import proxied, proxy, silent_socket  # noqa: F401
from ._socket_helpers import pump_until, recorder, sockets  # noqa: F401


def _jwt(claims: dict[str, Any], signature: str = "c2ln") -> str:
    def part(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{signature}"


def test_connect_ping_close_lifecycle(client, new_session, sockets):  # noqa: F811
    sock = client.create_socket()
    assert not sock.is_connected
    connected, closed = recorder(sock, "connected"), recorder(sock, "closed")
    session = new_session()
    sock.connect(session, appear_online=False)
    try:
        assert sock.is_connected
        readers = [t for t in threading.enumerate() if t.name.startswith("nakama-sync-reader")]
        assert readers and all(t.daemon for t in readers)
        sock.ping()
        with pytest.raises(nakama_sync.NakamaError):
            sock.connect(session)  # already connected
    finally:
        sock.close()
    assert not sock.is_connected
    sock.close()  # twice is fine
    assert sock.poll() == 2
    assert connected == [SocketConnected(user_id=session.user_id, username=session.username)]
    assert len(closed) == 1 and isinstance(closed[0], SocketClosed) and closed[0].by_client
    with pytest.raises(ConnectionClosed):
        sock.ping()


def test_never_connected_socket(client):
    sock = client.create_socket()
    sock.close()
    sock.close()
    assert sock.poll() == 0
    with pytest.raises(ConnectionClosed):
        sock.ping()
    with pytest.raises(ConnectionClosed):
        sock.send_match_state("x.", 1, b"")
    assert isinstance(sock.create_match_nowait().exception(), ConnectionClosed)


def test_bad_token_is_a_clear_api_error(client, new_session):
    session = new_session()
    head, body, _sig = session.token.split(".")
    forged = nakama_sync.Session.restore(f"{head}.{body}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                         session.refresh_token)
    sock = client.create_socket()
    with pytest.raises(ApiError) as info:
        sock.connect(forged)
    assert info.value.status_code == 401
    assert "Missing or invalid token" in info.value.message
    assert not sock.is_connected


def test_expired_session_is_refused_before_connecting(client):
    token = _jwt({"tid": "t", "uid": "00000000-0000-0000-0000-000000000001", "usn": "old",
                  "exp": int(time.time()) - 10, "iat": int(time.time()) - 100})
    sock = client.create_socket()
    with pytest.raises(SessionError):
        sock.connect(nakama_sync.Session.restore(token, ""))


def test_unreachable_server_is_a_transport_error():
    with nakama_sync.Client(host="127.0.0.1", port=1) as client:
        sock = client.create_socket()
        with pytest.raises(nakama_sync.TransportError):
            sock.connect(client_session_stub(), connect_timeout=5)


def client_session_stub() -> nakama_sync.Session:
    token = _jwt({"tid": "t", "uid": "00000000-0000-0000-0000-000000000001", "usn": "x",
                  "exp": int(time.time()) + 600, "iat": int(time.time())})
    return nakama_sync.Session.restore(token, "")


def test_rpc_echo_and_error_replies(sockets):  # noqa: F811
    sock = sockets()
    assert sock.rpc("echo", "hello").payload == "hello"
    assert json.loads(sock.rpc("echo", {"a": 1}).payload) == {"a": 1}
    assert sock.rpc("echo").payload == ""
    with pytest.raises(SocketError) as info:
        sock.rpc("no_such_rpc_here", "x")
    assert info.value.code is nakama_sync.SocketErrorCode.RUNTIME_FUNCTION_NOT_FOUND
    with pytest.raises(SocketError) as info:
        sock.rpc("fail", "x")
    assert info.value.code is nakama_sync.SocketErrorCode.RUNTIME_FUNCTION_EXCEPTION
    sock.ping()  # still usable


def test_nowait_future_callbacks_run_inside_poll(sockets):  # noqa: F811
    sock = sockets()
    calls: list[tuple[Any, int]] = []
    fut = sock.rpc_nowait("echo", "cb")
    fut.add_done_callback(lambda f: calls.append((f.result().payload, threading.get_ident())))
    assert fut.result(timeout=5).payload == "cb"
    assert fut.done() and fut.exception() is None
    assert calls == []  # not until poll()
    pump_until(sock, lambda: calls, what="the callback")
    assert calls == [("cb", threading.get_ident())]
    late: list[Any] = []
    fut.add_done_callback(late.append)  # already done: runs in the next poll
    assert late == []
    sock.poll()
    assert late == [fut]


def test_error_reply_through_future(sockets):  # noqa: F811
    sock = sockets()
    fut = sock.rpc_nowait("no_such_rpc_here")
    exc = fut.exception(timeout=5)
    assert isinstance(exc, SocketError) and exc.code == 6
    with pytest.raises(SocketError):
        fut.result()


def test_poll_counts_caps_and_rejects_reentry(sockets):  # noqa: F811
    sock = sockets()
    notes = recorder(sock, "received_notification")
    for _ in range(3):
        sock.rpc("notify_me")  # the push arrives before the reply, so it is queued by now
    assert sock.pending_events == 4  # connected + 3 notifications
    assert sock.poll(max_events=2) == 2
    assert sock.poll() == 2
    assert sock.poll() == 0
    assert len(notes) == 3 and all(isinstance(n, Notification) and n.content == {"n": 1} for n in notes)

    errors: list[BaseException] = []

    def reenter(sender, event):
        try:
            sender.poll()
        except ReentrantPollError as exc:
            errors.append(exc)
    sock.received_notification.connect(reenter)
    sock.rpc("notify_me")
    pump_until(sock, lambda: errors, what="the reentrant poll error")
    assert isinstance(errors[0], ReentrantPollError)


def test_poll_timeout_blocks_until_event(sockets):  # noqa: F811
    sock = sockets()
    sock.poll()  # the connected event
    start = time.monotonic()
    assert sock.poll(timeout=0.2) == 0
    assert time.monotonic() - start >= 0.15
    fut = sock.rpc_nowait("notify_me")
    assert sock.poll(timeout=5) >= 1
    fut.result()


def test_handler_exception_reaches_game_and_keeps_rest_queued(sockets):  # noqa: F811
    sock = sockets()
    sock.poll()
    seen: list[Notification] = []

    def handler(sender, event):
        seen.append(event)
        if len(seen) == 1:
            raise ValueError("boom")
    sock.received_notification.connect(handler)
    sock.rpc("notify_me")
    sock.rpc("notify_me")
    assert sock.pending_events == 2  # pushes come before the rpc replies
    with pytest.raises(ValueError, match="boom"):
        sock.poll()
    assert len(seen) == 1 and sock.pending_events == 1
    assert sock.poll() == 1 and len(seen) == 2

    hooked: list[tuple[BaseException, Any]] = []
    sock.on_handler_error = lambda exc, event: hooked.append((exc, event))
    seen.clear()
    sock.rpc("notify_me")
    sock.rpc("notify_me")
    pump_until(sock, lambda: len(seen) == 2, what="both notifications")
    assert len(hooked) == 1 and isinstance(hooked[0][0], ValueError)


def test_lambda_handlers_are_not_garbage_collected(sockets):  # noqa: F811
    sock = sockets()
    got: list[Any] = []
    sock.received_notification.connect(lambda sender, event: got.append(event))

    @sock.on("received_notification")
    def _decorated(sender, event):
        got.append("decorated")
    del _decorated
    gc.collect()
    sock.rpc("notify_me")
    pump_until(sock, lambda: len(got) == 2, what="both handlers")
    with pytest.raises(ValueError):
        sock.on("no_such_signal", print)


def test_pull_style_next_event_and_iteration(sockets):  # noqa: F811
    sock = sockets()
    assert isinstance(sock.next_event(timeout=5), SocketConnected)
    sock.rpc("notify_me")
    event = sock.next_event(timeout=5)
    assert isinstance(event, Notification) and event.subject == "hello"
    sock.rpc("notify_me")
    sock.rpc("notify_me")
    got: list[Any] = []
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        got.extend(sock)
        if len(got) < 2:
            ev = sock.next_event(timeout=0.1)
            if ev is not None:
                got.append(ev)
    assert [type(e) for e in got] == [Notification, Notification]
    assert sock.next_event() is None


def test_all_signals_exist_on_each_socket(client):
    a, b = client.create_socket(), client.create_socket()
    for name in nakama_sync._events.SIGNAL_NAMES:
        assert getattr(a, name) is not getattr(b, name)
    assert len(nakama_sync._events.SIGNAL_NAMES) == 21  # 19 of API.md + reconnecting, reconnected


def test_message_too_large_is_refused_locally(sockets):  # noqa: F811
    sock = sockets()
    with pytest.raises(ValueError, match="4096"):
        sock.send_match_state("abc.", 1, b"x" * 5000)
    with pytest.raises(ValueError):
        sock.rpc("echo", "y" * 5000)
    sock.ping()  # the connection is intact


def test_request_timeout_when_server_is_silent(silent_socket):  # noqa: F811
    sock, _ = silent_socket(request_timeout=0.3, heartbeat_interval=None)
    start = time.monotonic()
    with pytest.raises(RequestTimeout):
        sock.ping()
    assert 0.25 <= time.monotonic() - start < 2.0
    fut = sock.ping_nowait()
    with pytest.raises(RequestTimeout):
        fut.result(timeout=0.05)  # an explicit timeout leaves the future pending
    assert not fut.done()
    assert isinstance(fut.exception(), RequestTimeout)
    assert isinstance(TimeoutError(), Exception) and issubclass(RequestTimeout, TimeoutError)


def test_token_never_logged(client, new_session, caplog):
    import logging
    session = new_session()
    with caplog.at_level(logging.DEBUG, logger="nakama_sync"):
        sock = client.create_socket()
        sock.connect(session)
        sock.ping()
        sock.close()
    assert "socket connecting" in caplog.text
    assert session.token not in caplog.text


def test_tls_uses_the_clients_verify_setting(tmp_path):
    import shutil
    import subprocess

    from nakama_sync.devserver import DevServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl not available to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    with DevServer(port=0, ssl_certificate=str(cert), ssl_private_key=str(key), token_expiry_sec=600) as server:
        with nakama_sync.Client(host="127.0.0.1", port=server.port, ssl=True, verify=str(cert)) as trusted:
            session = trusted.authenticate_device("device-tls-0123456789")
            sock = trusted.create_socket()
            sock.connect(session)
            try:
                sock.ping()
            finally:
                sock.close()
        with (nakama_sync.Client(host="127.0.0.1", port=server.port, ssl=True) as strict,
              pytest.raises(nakama_sync.TransportError)):
            strict.create_socket().connect(session, connect_timeout=10)
        with nakama_sync.Client(host="127.0.0.1", port=server.port, ssl=True, verify=False) as lax:
            sock = lax.create_socket()
            sock.connect(session, connect_timeout=10)
            sock.ping()
            sock.close()
