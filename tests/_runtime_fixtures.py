"""A dev server of its own for the runtime tests (Python server code exists only on the dev server).

``rt`` gives a fresh DevServer on a free port, its ``nk``, and raw HTTP/socket helpers
(tests/test_devserver_realtime_base.py) aimed at it; every socket is closed after the test.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from nakama_sync.devserver import DevServer

from .conftest import EXTERNAL, Target
from .test_devserver_realtime_base import RtUser, WsClient, auth_user, http

pytestmark = pytest.mark.skipif(EXTERNAL, reason="Python server code runs only on the embedded dev server")


@dataclass
class Rt:
    server: DevServer
    target: Target
    sockets: list[WsClient] = field(default_factory=list)

    @property
    def nk(self) -> Any:
        return self.server.nk

    def user(self, prefix: str = "rt") -> RtUser:
        return auth_user(self.target, prefix)

    def http(self, user: RtUser, method: str, path: str, **kwargs: Any) -> requests.Response:
        return http(self.target, user, method, path, **kwargs)

    def ws(self, user: RtUser | None = None) -> WsClient:
        c = WsClient(self.target, user or self.user())
        self.sockets.append(c)
        c.session_id = c.push("status_presence_event")["joins"][0]["session_id"]
        return c


@pytest.fixture(name="rt")
def rt_fixture() -> Iterator[Rt]:
    if EXTERNAL:
        pytest.skip("Python server code runs only on the embedded dev server")
    server = DevServer(port=0, token_expiry_sec=7200, matchmaker_interval_sec=0.1)
    with server:
        rt = Rt(server, Target(server.host, server.port, server.config.server_key, server.config.http_key, False,
                               server))
        try:
            yield rt
        finally:
            for c in rt.sockets:
                c.close()
