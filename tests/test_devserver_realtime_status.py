"""Status presences, follows and events over raw sockets (PROTOCOL.md §3.4, §4, §7.4)."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from .test_devserver_realtime_base import auth_user, connect_fixture, presence  # noqa: F401


def _sp(c: Any, status: str, session_id: str | None = None) -> dict[str, Any]:
    return {**presence(c, session_id or c.session_id), "status": status}


def test_follow_returns_current_status_presences(connect: Any) -> None:
    a, b = connect(), connect()  # connect() itself waits for the own status join
    assert a.ok("status_follow", {"user_ids": [b.user.user_id]}, "status") == {"presences": [_sp(b, "")]}
    assert a.ok("status_follow", {"usernames": [b.user.username]}, "status") == {"presences": [_sp(b, "")]}


def test_update_offline_back_and_disconnect(connect: Any) -> None:
    a, b = connect(), connect()
    a.ok("status_follow", {"user_ids": [b.user.user_id]}, "status")
    b.ok("status_update", {"status": "playing"})
    expected = {"joins": [_sp(b, "playing")], "leaves": [_sp(b, "")]}
    assert a.push("status_presence_event") == expected
    assert b.push("status_presence_event") == expected  # own sessions follow themselves
    b.ok("status_update", {})
    assert a.push("status_presence_event") == {"leaves": [_sp(b, "playing")]}
    b.send({"status_update": {"status": "back"}})
    assert b.wait_for(lambda f: f == {}) == {}
    assert a.push("status_presence_event") == {"joins": [_sp(b, "back")]}
    b.close()
    assert a.push("status_presence_event") == {"leaves": [_sp(b, "back")]}


def test_follow_offline_user_then_it_connects(target: Any, connect: Any) -> None:
    a = connect()
    c_user = auth_user(target)
    assert a.ok("status_follow", {"user_ids": [c_user.user_id]}, "status") == {}
    c = connect(c_user)
    assert a.push("status_presence_event") == {"joins": [_sp(c, "")]}
    a.ok("status_unfollow", {"user_ids": [c_user.user_id]})
    c.ok("status_update", {"status": "afk"})
    c.push("status_presence_event")
    a.barrier()
    assert a.pushes("status_presence_event") == []


def test_status_false_socket_can_update(connect: Any) -> None:
    a, c = connect(), connect()
    c2 = connect(c.user, status=False)
    a.ok("status_follow", {"user_ids": [c.user.user_id]}, "status")
    c2.ok("status_update", {"status": "from-status-false-socket"})
    joined = a.push("status_presence_event")["joins"][0]
    assert joined["status"] == "from-status-false-socket" and joined["session_id"] != c.session_id
    assert c.push("status_presence_event") == c2.push("status_presence_event")


def test_follow_edge_cases(connect: Any) -> None:
    a = connect()
    assert a.fail("status_follow", {"user_ids": ["not-a-uuid"]}) == (3, "Invalid user identifier")
    assert a.fail("status_follow", {"usernames": [""]}) == (3, "Invalid username")
    assert a.fail("status_unfollow", {"user_ids": ["nope"]}) == (3, "Invalid user identifier")
    assert a.ok("status_follow", {}, "status") == {}
    assert a.ok("status_follow", {"user_ids": [a.user.user_id]}, "status") == {}
    assert a.ok("status_follow", {"user_ids": [str(uuid.uuid4())]}, "status") == {}
    assert a.ok("status_follow", {"usernames": [f"nobody_{uuid.uuid4().hex[:8]}"]}, "status") == {}
    assert a.fail("status_update", {"status": "x" * 2049}) == (3, "Status must be 2048 characters or less")


@pytest.mark.devserver_only("asks the dev server's status registry directly")
def test_is_online(devserver: Any, connect: Any) -> None:
    a = connect()
    b = connect(status=False)
    assert devserver.call(devserver.hub.status.is_online, a.user.user_id) is True
    assert devserver.call(devserver.hub.status.is_online, b.user.user_id) is False
