"""Chat over raw sockets (PROTOCOL.md §3.4, §3.5, §7.3): rooms, DMs, hidden presences, updates, errors."""
from __future__ import annotations

import json
import re
import uuid
from typing import Any

from .test_devserver_realtime_base import connect_fixture, presence  # noqa: F401

# nanoseconds as protojson writes them: a trailing "000" group is dropped (one clock reading in 1000)
NINE_DIGITS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.(\d{9}|\d{6})Z$")
SIX_DIGITS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$")


def _cp(c: Any, persistence: bool = True) -> dict[str, Any]:
    p = presence(c, c.session_id)
    if persistence:
        p["persistence"] = True
    return p


def _room() -> str:
    return f"room{uuid.uuid4().hex[:10]}"


def test_room_join_presences_and_events(connect: Any) -> None:
    a, b = connect(), connect()
    room = _room()
    cid = f"2...{room}"
    chan = a.ok("channel_join", {"target": room, "type": 1, "persistence": True, "hidden": False}, "channel")
    assert chan == {"id": cid, "self": _cp(a), "room_name": room}
    assert a.push("channel_presence_event") == {"channel_id": cid, "joins": [_cp(a)], "room_name": room}
    chan = b.ok("channel_join", {"target": room, "type": 1}, "channel")  # persistence absent = true
    assert chan == {"id": cid, "presences": [_cp(a)], "self": _cp(b), "room_name": room}
    for c in (a, b):
        assert c.push("channel_presence_event") == {"channel_id": cid, "joins": [_cp(b)], "room_name": room}


def test_send_push_before_ack_and_fields(connect: Any) -> None:
    a, b = connect(), connect()
    room = _room()
    cid = f"2...{room}"
    a.ok("channel_join", {"target": room, "type": 1}, "channel")
    b.ok("channel_join", {"target": room, "type": 1}, "channel")
    a.send({"cid": "s1", "channel_message_send": {"channel_id": cid, "content": '{"text":"hello"}'}})
    ack = a.wait_for(lambda f: f.get("cid") == "s1")["channel_message_ack"]
    pushes = [i for i, f in enumerate(a.frames) if "channel_message" in f]
    assert pushes, "the sender's push must arrive before its ack"
    msg = b.push("channel_message")
    assert set(msg) == {"channel_id", "message_id", "code", "sender_id", "username", "content", "create_time",
                        "update_time", "persistent", "room_name"}
    assert msg["code"] == 0 and msg["persistent"] is True and msg["content"] == '{"text":"hello"}'
    assert msg["sender_id"] == a.user.user_id and NINE_DIGITS.match(msg["create_time"])
    assert ack == {k: v for k, v in msg.items() if k not in ("sender_id", "content")}


def test_update_and_remove(connect: Any) -> None:
    a, b = connect(), connect()
    room = _room()
    cid = f"2...{room}"
    a.ok("channel_join", {"target": room, "type": 1}, "channel")
    b.ok("channel_join", {"target": room, "type": 1}, "channel")
    mid = a.ok("channel_message_send", {"channel_id": cid, "content": '{"t":1}'},
               "channel_message_ack")["message_id"]
    b.push("channel_message")
    ack = a.ok("channel_message_update", {"channel_id": cid, "message_id": mid, "content": '{"t":2}'},
               "channel_message_ack")
    assert ack["code"] == 1 and SIX_DIGITS.match(ack["create_time"]) and NINE_DIGITS.match(ack["update_time"])
    pushed = b.push("channel_message")
    assert pushed["code"] == 1 and pushed["content"] == '{"t":2}' and pushed["message_id"] == mid
    assert b.fail("channel_message_update", {"channel_id": cid, "message_id": mid, "content": "{}"}) == \
        (3, "Could not find message to update in channel history")
    ack = a.ok("channel_message_remove", {"channel_id": cid, "message_id": mid}, "channel_message_ack")
    assert ack["code"] == 2
    pushed = b.push("channel_message", code=2)
    assert pushed["content"] == "{}" and SIX_DIGITS.match(pushed["update_time"])
    assert a.fail("channel_message_remove", {"channel_id": cid, "message_id": mid}) == \
        (3, "Could not find message to remove in channel history")


def test_hidden_non_persistent_presence(connect: Any) -> None:
    a, c = connect(), connect()
    room = _room()
    cid = f"2...{room}"
    a.ok("channel_join", {"target": room, "type": 1}, "channel")
    a.push("channel_presence_event")
    chan = c.ok("channel_join", {"target": room, "type": 1, "persistence": False, "hidden": True}, "channel")
    assert chan["presences"] == [_cp(a)] and chan["self"] == _cp(c, persistence=False)
    ack = c.ok("channel_message_send", {"channel_id": cid, "content": '{"from":"hidden"}'}, "channel_message_ack")
    assert ack["persistent"] is False
    assert c.push("channel_message")["persistent"] is False  # hidden presences still receive messages
    assert a.push("channel_message")["sender_id"] == c.user.user_id
    c.close()
    a.barrier()
    assert a.pushes("channel_presence_event") == []  # hidden: no join and no leave event


def test_direct_message_and_request_notification(connect: Any) -> None:
    a, b = connect(), connect()
    one, two = sorted((a.user.user_id, b.user.user_id))
    cid = f"4.{one}.{two}."
    chan = a.ok("channel_join", {"target": b.user.user_id, "type": 2}, "channel")
    assert chan == {"id": cid, "self": _cp(a), "user_id_one": one, "user_id_two": two}
    (note,) = b.push("notifications")["notifications"]
    assert note["code"] == -1 and note["subject"] == f"{a.user.username} wants to chat"
    assert json.loads(note["content"]) == {"username": a.user.username}
    assert note["sender_id"] == a.user.user_id and note["persistent"] is True
    chan = b.ok("channel_join", {"target": a.user.user_id, "type": 2}, "channel")
    assert chan["id"] == cid and chan["presences"] == [_cp(a)]
    b.ok("channel_message_send", {"channel_id": cid, "content": '{"dm":"yes"}'}, "channel_message_ack")
    msg = a.push("channel_message")
    assert msg["user_id_one"] == one and msg["user_id_two"] == two and "room_name" not in msg
    a.barrier()
    assert a.pushes("notifications") == []  # B's join found A in the channel: no request for A
    self_dm = a.ok("channel_join", {"target": a.user.user_id, "type": 2}, "channel")
    assert self_dm["id"] == f"4.{a.user.user_id}.{a.user.user_id}."


def test_join_errors(connect: Any) -> None:
    a = connect()
    assert a.fail("channel_join", {"target": "", "type": 1}) == (3, "Invalid channel target")
    assert a.fail("channel_join", {"target": "x" * 65, "type": 1}) == \
        (3, "Channel name is required and must be 1-64 chars: Invalid channel target")
    assert a.fail("channel_join", {"target": "not-a-uuid", "type": 2}) == \
        (3, "Invalid user ID in direct message join: Invalid channel target")
    assert a.fail("channel_join", {"target": "room", "type": 9}) == (3, "Invalid channel type")
    assert a.fail("channel_join", {"target": str(uuid.uuid4()), "type": 3}) == \
        (3, "Group not found: Invalid channel target")
    chan = a.ok("channel_join", {"target": "typezero", "type": 0}, "channel")
    assert chan["id"] == "2...typezero"


def test_message_errors_and_leave(connect: Any) -> None:
    a, b = connect(), connect()
    room = _room()
    cid = f"2...{room}"
    assert a.fail("channel_message_send", {"channel_id": cid, "content": "{}"}) == \
        (3, "Must join channel before sending messages")
    assert a.fail("channel_message_send", {"channel_id": "bogus", "content": "{}"}) == \
        (3, "Invalid channel identifier")
    a.ok("channel_join", {"target": room, "type": 1}, "channel")
    b.ok("channel_join", {"target": room, "type": 1}, "channel")
    for bad in ("plain text", "[1,2]"):
        assert a.fail("channel_message_send", {"channel_id": cid, "content": bad}) == \
            (3, "Message content must be a valid JSON object")
    assert a.fail("channel_message_update", {"channel_id": cid, "message_id": "x", "content": "{}"}) == \
        (3, "Invalid message identifier")
    assert a.fail("channel_leave", {"channel_id": "nope"}) == (3, "Invalid channel identifier")
    b.barrier()
    b.frames.clear()
    a.ok("channel_leave", {"channel_id": cid})
    assert b.push("channel_presence_event") == {"channel_id": cid, "leaves": [_cp(a)], "room_name": room}
    a.ok("channel_leave", {"channel_id": cid})  # not a member: still an ack
    assert a.fail("channel_message_send", {"channel_id": cid, "content": "{}"}) == \
        (3, "Must join channel before sending messages")
    b.close()
