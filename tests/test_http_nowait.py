"""Non-blocking HTTP: every Client method has a ``*_nowait`` form whose callbacks run in ``client.poll()``."""
from __future__ import annotations

import concurrent.futures
import inspect
import threading
import time
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import nakama_sync
from nakama_sync import ApiError, HttpFuture, RetryConfig, TransportError

from ._raw_http import FrozenServer
from .conftest import unique

BLOCKING = sorted(name for name, fn in inspect.getmembers(nakama_sync.Client, inspect.isfunction)
                  if not name.startswith("_") and f"{name}_nowait" in dir(nakama_sync.Client))
NOT_API = {"close", "create_socket", "poll", "max_call_time"}


def poll_until(client: nakama_sync.Client, predicate: Callable[[], Any], timeout: float = 10.0) -> int:
    """Call client.poll() until ``predicate()`` holds; returns how many callbacks ran."""
    ran = 0
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        ran += client.poll(0.05)
    return ran


@pytest.fixture
def frozen() -> Iterator[FrozenServer]:
    with FrozenServer() as server:
        yield server


def test_every_api_method_has_a_typed_nowait_form() -> None:
    public = {name for name, _ in inspect.getmembers(nakama_sync.Client, inspect.isfunction)
              if not name.startswith("_") and not name.endswith("_nowait")} - NOT_API
    assert len(public) >= 86
    for name in public:
        blocking = getattr(nakama_sync.Client, name)
        fast = getattr(nakama_sync.Client, f"{name}_nowait")
        hints = typing.get_type_hints(fast)
        assert hints["return"] == HttpFuture[typing.get_type_hints(blocking)["return"]], name
        assert list(inspect.signature(fast).parameters) == list(inspect.signature(blocking).parameters)
        assert fast.__name__ == f"{name}_nowait" and f":meth:`{name}`" in (fast.__doc__ or "")
    assert issubclass(HttpFuture, concurrent.futures.Future)


def test_result_and_callbacks_arrive_in_poll_on_the_callers_thread(client: nakama_sync.Client,
                                                                   new_session: Any) -> None:
    session = new_session()
    seen: list[tuple[str, int]] = []
    future = client.get_account_nowait(session)
    assert isinstance(future, HttpFuture)
    future.add_done_callback(lambda f: seen.append((f.result().user.id, threading.get_ident())))
    concurrent.futures.wait([future], timeout=10)
    assert future.done() and seen == []            # done on a worker; the callback waits for poll()
    assert client.poll() == 1
    assert seen == [(session.user_id, threading.get_ident())]
    assert client.poll() == 0


def test_a_callback_added_after_completion_still_runs_in_poll(client: nakama_sync.Client) -> None:
    future = client.healthcheck_nowait()
    assert future.result(timeout=10) is None
    seen: list[Any] = []
    future.add_done_callback(seen.append)
    assert seen == []
    poll_until(client, lambda: seen)
    assert seen == [future]


def test_errors_reach_the_future(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    future = client.rpc_nowait(session, unique("no-such-rpc"))
    error = future.exception(timeout=10)
    assert isinstance(error, ApiError) and error.status_code == 404
    with pytest.raises(ApiError):
        future.result()


def test_bad_arguments_raise_at_once_on_the_callers_thread(client: nakama_sync.Client) -> None:
    with pytest.raises(TypeError, match="session"):
        client.get_account_nowait("not a session")  # type: ignore[arg-type]


def test_a_frozen_server_does_not_block_the_caller(frozen: FrozenServer) -> None:
    client = nakama_sync.Client(port=frozen.port, timeout=30, retries=RetryConfig(max_attempts=1))
    try:
        future = client.healthcheck_nowait()
        # A blocking call would only have returned after its 30 s deadline, with HttpTimeout.
        assert not future.done()
        assert client.poll() == 0
        frozen.wait_requests(1)
        assert not future.done()
    finally:
        client.close()
    error = future.exception(timeout=5)
    assert isinstance(error, TransportError) and "closed" in str(error)


def test_close_fails_calls_waiting_for_a_worker(frozen: FrozenServer) -> None:
    client = nakama_sync.Client(port=frozen.port, timeout=30, max_workers=1)
    first = client.healthcheck_nowait()
    second = client.healthcheck_nowait()
    seen: list[Any] = []
    second.add_done_callback(seen.append)
    frozen.wait_requests(1)     # the first call is on the wire
    client.close()
    assert isinstance(second.exception(timeout=0), TransportError)
    assert isinstance(first.exception(timeout=5), TransportError)
    assert client.poll() == 1 and seen == [second]
    with pytest.raises(TransportError):
        client.healthcheck_nowait()


def test_workers_are_bounded_named_daemons(frozen: FrozenServer) -> None:
    client = nakama_sync.Client(port=frozen.port, timeout=30, max_workers=2)
    try:
        futures = [client.healthcheck_nowait() for _ in range(5)]
        frozen.wait_requests(2)
        workers = [t for t in threading.enumerate() if t.name.startswith("nakama-sync-http-")]
        assert len(workers) == 2 and all(t.daemon for t in workers)
        assert sum(not f.running() and not f.done() for f in futures) == 3
    finally:
        client.close()


def test_poll_also_polls_the_clients_sockets(client: nakama_sync.Client, new_session: Any) -> None:
    session = new_session()
    sock = client.create_socket()
    try:
        sock.connect(session)
        matches: list[Any] = []
        sock.create_match_nowait().add_done_callback(lambda f: matches.append(f.result()))
        accounts: list[Any] = []
        client.get_account_nowait(session).add_done_callback(lambda f: accounts.append(f.result()))
        poll_until(client, lambda: matches and accounts)
        assert matches[0].match_id and accounts[0].user.id == session.user_id
    finally:
        sock.close()


def test_a_raising_callback_propagates_and_the_rest_wait(client: nakama_sync.Client) -> None:
    futures = [client.healthcheck_nowait() for _ in range(2)]
    concurrent.futures.wait(futures, timeout=10)
    seen: list[Any] = []

    def boom(_f: Any) -> None:
        raise KeyError("boom")
    futures[0].add_done_callback(boom)
    futures[1].add_done_callback(seen.append)
    with pytest.raises(KeyError):
        client.poll()
    assert seen == []
    assert client.poll() == 1 and seen == [futures[1]]


def test_poll_inside_a_callback_is_refused(client: nakama_sync.Client) -> None:
    errors: list[BaseException] = []

    def reenter(_f: Any) -> None:
        try:
            client.poll()
        except nakama_sync.ReentrantPollError as exc:
            errors.append(exc)
    client.healthcheck_nowait().add_done_callback(reenter)
    poll_until(client, lambda: errors)
    assert isinstance(errors[0], nakama_sync.NakamaError)


@pytest.mark.devserver_only("forges a nearly expired token with the dev server's signing key")
def test_refresh_on_a_worker_is_announced_in_poll(devserver: Any, target: Any) -> None:
    from .test_session import _expiring_session
    with target.client() as client:
        seen: list[int] = []
        client.session_refreshed.connect(lambda sender, session: seen.append(threading.get_ident()))
        session = _expiring_session(devserver, client, seconds_left=5)
        old = session.token
        client.get_account_nowait(session).result(timeout=10)
        assert session.token != old and seen == []
        poll_until(client, lambda: seen)
        assert seen == [threading.get_ident()]
