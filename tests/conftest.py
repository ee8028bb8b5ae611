"""Shared fixtures: one Nakama target per test session.

By default the target is the embedded dev server on a free loopback port. Set ``NAKAMA_HOST`` (and
optionally ``NAKAMA_PORT``, ``NAKAMA_SERVER_KEY``, ``NAKAMA_HTTP_KEY``, ``NAKAMA_SSL=1``) to run the same
tests against a real Nakama; it needs the runtime module in ``tests/nakama_module.lua``. Tests that
need the dev server's own hooks use the ``devserver`` fixture and are skipped against a real server.
"""
from __future__ import annotations

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


@pytest.fixture
def devserver(target: Target) -> Any:
    """The embedded dev server; skips the test against an external Nakama."""
    if target.server is None:
        pytest.skip("needs the embedded dev server's hooks")
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
