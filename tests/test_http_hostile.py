"""Hostile HTTP servers and careless callers: every HTTP call keeps its stated bound and fails typed."""
from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import nakama_sync
from nakama_sync import (
    ApiError,
    HttpTimeout,
    InvalidArgument,
    InvalidArgumentType,
    NakamaError,
    RetryConfig,
    Session,
    SessionError,
    TransportError,
)

from ._raw_http import FixedReplyServer, FrozenServer, TrickleServer
from .test_session import claims, fake_token

ONE_TRY = RetryConfig(max_attempts=1)


def _session() -> Session:
    now = int(time.time())
    return Session(fake_token(claims(now + 3600, now)), fake_token(claims(now + 7200, now)))


def _healthcheck(port: int, **options: Any) -> tuple[float, BaseException | None, nakama_sync.Client]:
    """Time one blocking healthcheck through a fresh (then closed) client: (seconds, error, client)."""
    client = nakama_sync.Client(port=port, **options)
    started = time.monotonic()
    try:
        client.healthcheck()
    except BaseException as exc:  # noqa: BLE001 - returned to the test
        return time.monotonic() - started, exc, client
    finally:
        client.close()
    return time.monotonic() - started, None, client


def test_a_trickled_reply_is_cut_at_the_attempts_deadline() -> None:
    # 200 {} is ~70 bytes: at one byte per 0.2 s it takes ~14 s; the deadline is 1 s. Every byte arrives
    # well within the 1 s read timeout, so only a deadline on the whole attempt hangs up before the end.
    with TrickleServer(0.2) as server:
        _elapsed, error, _client = _healthcheck(server.port, timeout=1, retries=ONE_TRY)
        assert server.wait_outcomes(1) == ["cut"]
    assert isinstance(error, HttpTimeout), error


def test_retries_of_a_trickled_reply_each_get_a_deadline() -> None:
    attempts: list[int] = []
    retries = RetryConfig(max_attempts=2, base_delay=0.01, max_delay=0.01,
                          listener=lambda n, exc: attempts.append(n))
    with TrickleServer(0.2) as server:
        _elapsed, error, _client = _healthcheck(server.port, timeout=1, retries=retries)
        assert server.requests == 2
        assert server.wait_outcomes(2) == ["cut", "cut"]
    assert isinstance(error, HttpTimeout) and attempts == [1]


def test_a_trickled_reply_within_the_deadline_is_read() -> None:
    with TrickleServer(0.0) as server:
        _elapsed, error, _client = _healthcheck(server.port, timeout=5, retries=ONE_TRY)
    assert error is None


def test_close_ends_a_call_blocked_on_a_frozen_server() -> None:
    with FrozenServer() as server:
        client = nakama_sync.Client(port=server.port, timeout=60, retries=ONE_TRY)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                client.healthcheck()
            except BaseException as exc:  # noqa: BLE001 - checked below
                errors.append(exc)
        thread = threading.Thread(target=call)
        thread.start()
        server.wait_requests(1)
        client.close()
        thread.join(10)
        assert not thread.is_alive()
    assert isinstance(errors[0], TransportError) and "closed" in str(errors[0])


def test_close_ends_a_back_off_wait() -> None:
    with FixedReplyServer(b'{"code":14,"message":"unavailable"}', status=503) as server:
        retries = RetryConfig(max_attempts=3, base_delay=60, max_delay=60, jitter=lambda d, rng: d)
        client = nakama_sync.Client(port=server.port, retries=retries)
        future = client.healthcheck_nowait()
        server.wait_requests(1)
        client.close()   # during the 60 s back-off, or just before it: either way the call ends now
        assert isinstance(future.exception(timeout=10), (ApiError, TransportError))


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_a_deeply_nested_reply_is_an_api_error(depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    with FixedReplyServer(body) as server:
        client = nakama_sync.Client(port=server.port, retries=ONE_TRY)
        try:
            with pytest.raises(ApiError, match="nested"):
                client.get_account(_session())
        finally:
            client.close()


def test_a_deeply_nested_error_reply_is_an_api_error() -> None:
    body = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    with FixedReplyServer(body, status=500) as server:
        client = nakama_sync.Client(port=server.port, retries=ONE_TRY)
        try:
            with pytest.raises(ApiError) as caught:
                client.get_account(_session())
            assert caught.value.status_code == 500
        finally:
            client.close()


def test_a_deeply_nested_json_text_field_is_kept_as_text() -> None:
    nested = "[" * 100_000 + "]" * 100_000
    body = b'{"user": {"id": "u1", "metadata": "' + nested.encode() + b'"}}'
    with FixedReplyServer(body) as server:
        client = nakama_sync.Client(port=server.port, retries=ONE_TRY)
        try:
            account = client.get_account(_session())
        finally:
            client.close()
    assert account.user is not None and account.user.metadata == nested


def test_every_blocking_method_states_its_bound() -> None:
    blocking = [fn for name, fn in inspect.getmembers(nakama_sync.Client, inspect.isfunction)
                if hasattr(nakama_sync.Client, f"{name}_nowait")]
    assert len(blocking) >= 86
    for fn in blocking:
        assert "max_call_time()" in (fn.__doc__ or ""), fn.__name__


def test_worst_case_time_is_stated() -> None:
    assert nakama_sync.DEFAULT_TIMEOUT == 10.0
    assert nakama_sync.DEFAULT_RETRIES.max_total_time(10.0) == 43.5
    assert nakama_sync.Client().max_call_time() == 43.5
    assert nakama_sync.Client().max_call_time(retried=False) == 10.0
    assert nakama_sync.Client(timeout=2, retries=ONE_TRY).max_call_time() == 2.0
    assert "43.5" in (nakama_sync.Client.__doc__ or "") and "43.5" in (RetryConfig.__doc__ or "")


# ---- careless callers ---------------------------------------------------------------------

@pytest.fixture
def offline() -> Iterator[nakama_sync.Client]:
    """A client whose server does not exist: argument errors must come before any network use."""
    client = nakama_sync.Client(port=9, retries=ONE_TRY, timeout=1)
    try:
        yield client
    finally:
        client.close()


@pytest.mark.parametrize(("call", "argument"), [
    (lambda c, s: c.get_account("str"), "session"),
    (lambda c, s: c.rpc(s, None), "id"),
    (lambda c, s: c.rpc(s, 123), "id"),
    (lambda c, s: c.authenticate_device(123), "id"),
    (lambda c, s: c.authenticate_device("device-1234", create="yes"), "create"),
    (lambda c, s: c.list_friends(s, limit="10"), "limit"),
    (lambda c, s: c.list_friends(s, limit=True), "limit"),
    (lambda c, s: c.get_users(s, ids="abc"), "ids"),
    (lambda c, s: c.get_users(s, ids=[1, 2]), "ids"),
    (lambda c, s: c.update_account(s, display_name=5), "display_name"),
    (lambda c, s: c.write_leaderboard_record(s, "board", "10"), "score"),
    (lambda c, s: c.event(s, "name", properties=["a"]), "properties"),
    (lambda c, s: c.list_storage_objects(s, None), "collection"),
])
def test_wrong_argument_types_are_refused_by_name(offline: nakama_sync.Client, call: Any, argument: str) -> None:
    with pytest.raises(InvalidArgumentType, match=rf"\b{argument} must be") as caught:
        call(offline, _session())
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, NakamaError)


def test_wrong_values_are_refused_by_name(offline: nakama_sync.Client) -> None:
    with pytest.raises(InvalidArgument, match="limit") as caught:
        offline.list_friends(_session(), limit=0)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(InvalidArgumentType, match="unexpected keyword"):
        offline.get_account(_session(), bogus=1)  # type: ignore[call-arg]


def test_every_public_method_checks_its_session(offline: nakama_sync.Client) -> None:
    checked = 0
    for name, fn in inspect.getmembers(nakama_sync.Client, inspect.isfunction):
        params = list(inspect.signature(fn).parameters)
        if name.startswith("_") or len(params) < 2 or params[1] != "session":
            continue
        required = [p for p in list(inspect.signature(fn).parameters.values())[2:]
                    if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        with pytest.raises(InvalidArgumentType, match="session must be"):
            getattr(offline, name)("not-a-session", *["x"] * len(required))
        checked += 1
    assert checked >= 150   # blocking and _nowait forms


def test_client_constructor_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="port"):
        nakama_sync.Client(port="7350")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="port"):
        nakama_sync.Client(port=0)
    with pytest.raises(ValueError, match="timeout"):
        nakama_sync.Client(timeout=0)
    with pytest.raises(TypeError, match="retries"):
        nakama_sync.Client(retries=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="host"):
        nakama_sync.Client(host=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="max_attempts"):
        RetryConfig(max_attempts=0)
    for bad in ({"port": "7350"}, {"port": 0}, {"timeout": 0}, {"retries": 3}, {"max_workers": 0}):
        with pytest.raises(NakamaError):
            nakama_sync.Client(**bad)  # type: ignore[arg-type]


def test_session_restore_says_what_is_wrong() -> None:
    with pytest.raises(InvalidArgumentType, match=r"^token must be a str \(the JWT\), not int 123"):
        Session.restore(123, 456)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="refresh_token must be a str"):
        Session.restore(fake_token(claims(int(time.time()) + 60, int(time.time()))), 456)  # type: ignore[arg-type]
    with pytest.raises(SessionError, match="empty"):
        Session.restore("", "")
