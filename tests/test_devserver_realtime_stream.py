"""Custom streams (PROTOCOL.md §3.5): the stream_ping RPC of tests/_rpcs.py, and the DevServer stream API."""
from __future__ import annotations

from typing import Any

import pytest

from .test_devserver_realtime_base import connect_fixture, presence  # noqa: F401

TESTKIT = {"mode": 99, "label": "testkit"}


def test_stream_ping_hidden_then_visible_join_and_disconnect(connect: Any) -> None:
    a, b = connect(), connect()
    a.send({"cid": "p1", "rpc": {"id": "stream_ping", "payload": "hello-stream"}})
    reply = a.wait_for(lambda f: f.get("cid") == "p1")
    assert reply["rpc"] == {"id": "stream_ping", "payload": '{"data":"hello-stream","label":"testkit","mode":99}'}
    assert a.push("stream_data") == {"stream": TESTKIT, "data": "hello-stream", "reliable": True}
    a.ok("rpc", {"id": "stream_ping", "payload": '{"data":"second"}'}, "rpc")  # joining again is harmless
    assert a.push("stream_data")["data"] == "second"

    b.ok("rpc", {"id": "stream_ping", "payload": '{"data":"visible-B","hidden":false}'}, "rpc")
    for c in (a, b):
        assert c.push("stream_data")["data"] == "visible-B"
        assert c.push("stream_presence_event") == {"stream": TESTKIT, "joins": [presence(b, b.session_id)]}
    b.close()
    assert a.push("stream_presence_event") == {"stream": TESTKIT, "leaves": [presence(b, b.session_id)]}
    a.barrier()
    assert a.pushes("stream_presence_event") == []  # A joined hidden: it never made an event


def test_stream_ping_needs_a_socket(target: Any, connect: Any) -> None:
    from .test_devserver_realtime_base import http

    a = connect()
    resp = http(target, a.user, "POST", "/v2/rpc/stream_ping", json="")
    assert resp.status_code == 500 and "realtime socket" in resp.json()["message"]


@pytest.mark.devserver_only("drives streams through the dev server's Python API")
def test_server_stream_api(devserver: Any, connect: Any) -> None:
    a, b = connect(), connect()
    assert devserver.stream_join(a.user.user_id, 7, subject="s", label="lobby") == 1
    assert devserver.stream_join(b.session_id, 7, subject="s", label="lobby", hidden=True) == 1
    stream = {"mode": 7, "subject": "s", "label": "lobby"}
    assert a.push("stream_presence_event") == {"stream": stream, "joins": [presence(a, a.session_id)]}
    assert devserver.stream_presences(7, subject="s", label="lobby") == [presence(a, a.session_id)]
    assert devserver.stream_send(7, subject="s", label="lobby", data="hi", reliable=False) == 2
    for c in (a, b):
        assert c.push("stream_data") == {"stream": stream, "data": "hi"}
    assert devserver.stream_leave(a.session_id, 7, subject="s", label="lobby") == 1
    assert b.push("stream_presence_event") == {"stream": stream, "leaves": [presence(a, a.session_id)]}
    assert devserver.stream_leave(a.session_id, 7, subject="s", label="lobby") == 0
