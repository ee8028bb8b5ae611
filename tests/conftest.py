"""Shared fixtures: one Nakama target per test session.

By default the target is the embedded dev server on a free loopback port. Set ``NAKAMA_HOST`` (and
optionally ``NAKAMA_PORT``, ``NAKAMA_SERVER_KEY``, ``NAKAMA_HTTP_KEY``, ``NAKAMA_SSL=1``) to run the same
tests against a real Nakama (docs/real-nakama.md); it needs the runtime modules ``tests/nakama_module.lua``
and ``tests/echo_match.lua``. A test that only the dev server can run carries
``@pytest.mark.devserver_only(reason)`` and is skipped against a real server with that reason; the
``devserver`` fixture (the dev server's own hooks) requires that marker.
"""
from __future__ import annotations

import gc
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import nakama_sync

EXTERNAL = bool(os.environ.get("NAKAMA_HOST"))


@dataclass
class Target:
    host: str
    port: int
    server_key: str
    http_key: str
    ssl: bool
    server: Any = None   # the DevServer, or None for an external Nakama

    @property
    def external(self) -> bool:
        return self.server is None

    def client(self, **options: Any) -> nakama_sync.Client:
        return nakama_sync.Client(server_key=self.server_key, host=self.host, port=self.port, ssl=self.ssl,
                                  **options)


#: for a call a real Nakama answers by asking the provider's public web API (Facebook, Google, Steam):
#: tests only talk to loopback, so such cases run against the dev server only
calls_provider = pytest.mark.devserver_only("a real Nakama would call the provider's public web API")


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    if EXTERNAL:
        yield Target(os.environ["NAKAMA_HOST"], int(os.environ.get("NAKAMA_PORT", "7350")),
                     os.environ.get("NAKAMA_SERVER_KEY", "defaultkey"),
                     os.environ.get("NAKAMA_HTTP_KEY", "defaulthttpkey"),
                     os.environ.get("NAKAMA_SSL", "") not in ("", "0", "false"))
        return
    from nakama_sync.devserver import DevServer

    from ._rpcs import register_test_rpcs

    # The same token lifetimes as the recorded real server (transcripts/README.md); a short matchmaker
    # interval so matchmaking tests do not wait 15 s per tick.
    server = DevServer(port=0, token_expiry_sec=7200, refresh_token_expiry_sec=86400,
                       matchmaker_interval_sec=0.5)
    register_test_rpcs(server)
    with server:
        yield Target(server.host, server.port, server.config.server_key, server.config.http_key, False, server)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "devserver_only(reason): the test needs the embedded dev server (its hooks, its lifecycle or a "
                   "setting a shared real Nakama cannot have); skipped against a real Nakama with that reason")


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("devserver_only")
    if marker is None:
        return
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
    if not reason:
        raise pytest.UsageError(f"{item.nodeid}: devserver_only needs a reason")
    if EXTERNAL:
        pytest.skip(f"dev server only: {reason}")


@pytest.fixture
def devserver(target: Target, request: pytest.FixtureRequest) -> Any:
    """The embedded dev server. A test that asks for it must say why with ``@pytest.mark.devserver_only(reason)``
    (it is then skipped against a real Nakama with that reason)."""
    if request.node.get_closest_marker("devserver_only") is None:
        pytest.fail("a test using the devserver fixture needs @pytest.mark.devserver_only(reason)", pytrace=False)
    assert target.server is not None
    return target.server


@pytest.fixture
def client(target: Target) -> Iterator[nakama_sync.Client]:
    c = target.client()
    try:
        yield c
    finally:
        c.close()


def unique(prefix: str = "t") -> str:
    """A fresh id, good as a device id (10-128 bytes) or a username."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def new_session(client: nakama_sync.Client) -> Callable[..., nakama_sync.Session]:
    """``new_session()`` authenticates a brand-new device user and returns its Session."""
    def make(username: str | None = None) -> nakama_sync.Session:
        return client.authenticate_device(unique("device"), create=True, username=username)
    return make


@pytest.fixture(scope="module", autouse=True)
def _garbage_collected() -> Iterator[None]:
    """Collect garbage after each test module: an unclosed socket or file caught in a reference cycle then
    warns (an error under the suite's ``filterwarnings = ["error"]``) in the last test of the module that
    leaked it, not in whichever later test happens to run the collector. (Per test it would cost ~50 ms
    each; to find the test, run the module with ``python -X tracemalloc=25``: the error shows where the
    object was made.)"""
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _no_leaked_nakama_threads() -> Iterator[None]:
    """Fail a test that leaves one of our threads (``nakama-sync…``) alive: sockets must be closed."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3.0
    while True:
        leaked = [t for t in threading.enumerate()
                  if t.name.startswith("nakama-sync") and t not in before and t.is_alive()]
        if not leaked or time.monotonic() > deadline:
            break
        leaked[0].join(0.05)
    assert not leaked, f"threads outlived the test: {[t.name for t in leaked]}"
