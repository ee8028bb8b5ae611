"""RPC over a raw socket (PROTOCOL.md §3.4 ``rpc``), with the test RPCs of tests/_rpcs.py."""
from __future__ import annotations

from typing import Any

import pytest

from .test_devserver_realtime_base import connect_fixture  # noqa: F401


def test_rpc_reply_keeps_cid_and_id(connect: Any) -> None:
    a = connect()
    assert a.request("rpc", {"id": "echo", "payload": "hello"}) == {"rpc": {"id": "echo", "payload": "hello"}}
    assert a.request("rpc", {"id": "ECHO", "payload": '{"a":1}'}) == {"rpc": {"id": "ECHO", "payload": '{"a":1}'}}
    assert a.request("rpc", {"id": "echo"}) == {"rpc": {"id": "echo"}}  # empty payload left out
    assert a.request("rpc", {"id": "echo", "payload": "x", "http_key": "whatever"}) == \
        {"rpc": {"id": "echo", "payload": "x"}}
    a.send({"rpc": {"id": "echo", "payload": "no-cid"}})
    assert a.wait_for(lambda f: "rpc" in f) == {"rpc": {"id": "echo", "payload": "no-cid"}}


def test_rpc_errors_keep_the_socket_open(connect: Any) -> None:
    a = connect()
    assert a.fail("rpc", {"id": "nope", "payload": "x"}) == (6, "RPC function not found")
    assert a.fail("rpc", {"id": "fail", "payload": "x"}) == (7, "testkit deliberate failure")
    a.send({"rpc": {"id": "fail"}})
    assert a.wait_for(lambda f: "error" in f) == {"error": {"code": 7, "message": "testkit deliberate failure"}}
    a.barrier()


def test_rpc_push_arrives_before_the_reply(connect: Any) -> None:
    a = connect()
    a.send({"cid": "n1", "rpc": {"id": "notify_me"}})
    reply = a.wait_for(lambda f: f.get("cid") == "n1")
    assert reply == {"cid": "n1", "rpc": {"id": "notify_me", "payload": '{"sent":true}'}}
    (note,) = a.push("notifications")["notifications"]
    assert note["subject"] == "hello" and note["code"] == 1 and note["persistent"] is True
    assert note["sender_id"] == "00000000-0000-0000-0000-000000000000"


@pytest.mark.devserver_only("registers a Python RPC on the running dev server")
def test_rpc_context_has_the_socket_user(devserver: Any, connect: Any) -> None:
    seen: dict[str, Any] = {}

    def who(ctx: Any, payload: str) -> str:
        seen.update(user_id=ctx.user_id, username=ctx.username, session_id=ctx.session_id)
        return ""

    devserver.register_rpc("Who_Am_I", who)
    a = connect()
    assert a.ok("rpc", {"id": "who_am_i"}, "rpc") == {"id": "who_am_i"}
    assert seen == {"user_id": a.user.user_id, "username": a.user.username, "session_id": a.session_id}
