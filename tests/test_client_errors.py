"""Bad networks and bad replies: each gives a typed exception, never a hang, and the client stays usable."""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ApiError, HttpTimeout, Session, TransportError
from nakama_sync.client import RetryConfig

from .conftest import unique
from .test_session import claims, fake_token

FAST_RETRIES = RetryConfig(max_attempts=3, base_delay=0.01, max_delay=0.02)


class _Scripted(ThreadingHTTPServer):
    """A loopback HTTP server answering each request with the next (status, content type, body)."""

    daemon_threads = True

    def __init__(self, replies: list[tuple[int, str, str]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.replies = replies
        self.requests: list[tuple[str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Scripted

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path))
        replies = self.server.replies
        status, ctype, body = replies.pop(0) if len(replies) > 1 else replies[0]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[Any]:
    servers: list[_Scripted] = []

    def start(*replies: tuple[int, str, str]) -> _Scripted:
        server = _Scripted(list(replies))
        threading.Thread(target=server.serve_forever, name="scripted-http", daemon=True).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"


def test_html_error_page_from_a_proxy(scripted: Any) -> None:
    server = scripted((502, "text/html", PROXY_PAGE))
    with nakama_sync.Client(port=server.server_port, retries=FAST_RETRIES) as client:
        with pytest.raises(ApiError) as exc:
            client.healthcheck()
        assert exc.value.status_code == 502
        assert exc.value.grpc_code is None
        assert "502 Bad Gateway" in exc.value.message
        assert exc.value.body == PROXY_PAGE
        assert len(server.requests) == 3                 # a GET is retried on 502


def test_non_json_success_reply(scripted: Any) -> None:
    server = scripted((200, "text/html", "<html>captive portal</html>"))
    with nakama_sync.Client(port=server.server_port) as client:
        with pytest.raises(ApiError) as exc:
            client.healthcheck()
        assert exc.value.grpc_code is None and "not JSON" in exc.value.message


def test_transient_failure_then_success(scripted: Any) -> None:
    server = scripted((503, "application/json", '{"code":14,"message":"Unavailable"}'),
                      (200, "application/json", "{}"))
    seen: list[tuple[int, Exception]] = []
    retries = RetryConfig(max_attempts=3, base_delay=0.01, listener=lambda n, exc: seen.append((n, exc)))
    with nakama_sync.Client(port=server.server_port, retries=retries) as client:
        client.healthcheck()
    assert len(server.requests) == 2
    assert [n for n, _ in seen] == [1] and isinstance(seen[0][1], ApiError)


def test_post_is_not_retried_unless_asked(scripted: Any) -> None:
    server = scripted((503, "application/json", '{"code":14,"message":"Unavailable"}'))
    with nakama_sync.Client(port=server.server_port, retries=FAST_RETRIES) as client:
        with pytest.raises(ApiError):
            client.authenticate_device(unique("device"))
        assert len(server.requests) == 1
        with pytest.raises(ApiError):
            client._call("POST", "/v2/account/authenticate/device", basic_auth=True, body={"id": "x"}, retry=True)
        assert len(server.requests) == 4


def test_internal_error_is_not_retried(scripted: Any) -> None:
    server = scripted((500, "application/json", '{"code":13,"message":"boom"}'))
    with nakama_sync.Client(port=server.server_port, retries=FAST_RETRIES) as client, \
            pytest.raises(ApiError) as exc:
        client.healthcheck()
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == (500, 13, "boom")
    assert len(server.requests) == 1


def test_server_that_never_answers_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)                                   # accepts connections (backlog), never replies
    try:
        port = listener.getsockname()[1]
        with nakama_sync.Client(port=port, timeout=0.3, retries=RetryConfig(max_attempts=2, base_delay=0.01)) as client:
            started = time.monotonic()
            with pytest.raises(HttpTimeout) as exc:
                client.healthcheck()
            assert isinstance(exc.value, TimeoutError) and isinstance(exc.value, TransportError)
            assert time.monotonic() - started < 5.0
            with pytest.raises(HttpTimeout):
                client.authenticate_device(unique("device"))
    finally:
        listener.close()


def test_connection_refused() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()                                        # nothing listens there now
    with nakama_sync.Client(port=port, retries=FAST_RETRIES) as client:
        with pytest.raises(TransportError) as exc:
            client.healthcheck()
        assert not isinstance(exc.value, HttpTimeout)
        assert isinstance(exc.value, ConnectionError)
        assert exc.value.__cause__ is not None


def test_wrongly_signed_token_is_401_and_client_stays_usable(client: nakama_sync.Client) -> None:
    now = int(time.time())
    forged = Session.restore(fake_token(claims(now + 3600, now, uid="8f1b5c2e-0000-4000-8000-000000000000")), "")
    with pytest.raises(ApiError) as exc:
        client.get_account(forged)
    assert (exc.value.status_code, exc.value.grpc_code, exc.value.message) == (401, 16, "Auth token invalid")
    session = client.authenticate_device(unique("device"))
    assert client.get_account(session).user.id == session.user_id


@pytest.mark.devserver_only("forges an expired session token with the server's signing key")
def test_expired_token_without_auto_refresh_is_401(devserver: Any, target: Any) -> None:
    from nakama_sync.devserver import _jwt
    with target.client(auto_refresh_session=False) as client:
        real = client.authenticate_device(unique("device"))
        now = int(time.time())
        expired = _jwt.encode({"tid": unique("tid"), "uid": real.user_id, "usn": real.username,
                               "exp": now - 1, "iat": now - 61}, devserver.config.encryption_key)
        session = Session.restore(expired, real.refresh_token)
        assert session.is_expired()
        with pytest.raises(ApiError) as exc:
            client.get_account(session)
        assert exc.value.status_code == 401
    with target.client() as client:                      # with auto refresh the same session just works
        assert client.get_account(session).user.id == real.user_id
        assert not session.is_expired()


def test_closed_client_raises(target: Any) -> None:
    client = target.client()
    client.close()
    client.close()
    with pytest.raises(TransportError):
        client.healthcheck()


def test_tokens_and_keys_never_logged(target: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with target.client() as client:
        session = client.authenticate_device(unique("device"))
        client.get_account(session)
        client.rpc_http_key(target.http_key, "echo", "x")
        client.session_refresh(session)
        text = caplog.text + repr(session) + repr(client)
    assert "GET /v2/account" in caplog.text or caplog.text      # something was logged
    for secret in (session.token, session.refresh_token, target.http_key, target.server_key):
        assert secret not in text
