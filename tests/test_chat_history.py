"""``Client.list_channel_messages`` against the chat history (PROTOCOL.md §7.3); valid on a real Nakama too."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

import nakama_sync
from nakama_sync.exceptions import ApiError

from .test_devserver_realtime_base import RtUser, connect_fixture  # noqa: F401


def _user(session: nakama_sync.Session) -> RtUser:
    return RtUser(session.user_id, session.username, session.token)


@pytest.fixture
def room(client: nakama_sync.Client, new_session: Any, connect: Any) -> dict[str, Any]:
    """A room where B wrote 5 saved messages (n = 0..4) and 1 unsaved one; A reads the history."""
    a, b = new_session(), new_session()
    name = f"hist{uuid.uuid4().hex[:10]}"
    channel_id = f"2...{name}"
    sb = connect(_user(b))
    sb.ok("channel_join", {"target": name, "type": 1}, "channel")
    ids = [sb.ok("channel_message_send", {"channel_id": channel_id, "content": f'{{"n":{i},"s":"page"}}'},
                 "channel_message_ack")["message_id"] for i in range(5)]
    sb.ok("channel_leave", {"channel_id": channel_id})
    sb.ok("channel_join", {"target": name, "type": 1, "persistence": False}, "channel")
    sb.ok("channel_message_send", {"channel_id": channel_id, "content": '{"n":99}'}, "channel_message_ack")
    return {"a": a, "b": b, "id": channel_id, "name": name, "ids": ids}


def test_history_pages_forward_and_back(client: nakama_sync.Client, room: dict[str, Any]) -> None:
    page = client.list_channel_messages(room["a"], room["id"], limit=2, forward=True)
    assert [m.message_id for m in page.messages] == room["ids"][:2]
    assert page.next_cursor and not page.prev_cursor and page.cacheable_cursor
    first = page.messages[0]
    assert first.content == {"n": 0, "s": "page"} and first.persistent and first.code == 0
    assert first.room_name == room["name"] and first.sender_id == room["b"].user_id
    assert first.create_time is not None and first.create_time.tzinfo is not None

    page2 = client.list_channel_messages(room["a"], room["id"], limit=2, forward=True, cursor=page.next_cursor)
    assert [m.message_id for m in page2.messages] == room["ids"][2:4]
    assert page2.next_cursor and page2.prev_cursor

    back = client.list_channel_messages(room["a"], room["id"], limit=2, forward=True, cursor=page2.prev_cursor)
    assert [m.message_id for m in back.messages] == room["ids"][:2]
    assert back.next_cursor

    last = client.list_channel_messages(room["a"], room["id"], limit=2, forward=True, cursor=page2.next_cursor)
    assert [m.message_id for m in last.messages] == room["ids"][4:]
    assert not last.next_cursor and last.prev_cursor


def test_history_newest_first_and_default_limit(client: nakama_sync.Client, room: dict[str, Any]) -> None:
    page = client.list_channel_messages(room["a"], room["id"], limit=2, forward=False)
    assert [m.message_id for m in page.messages] == room["ids"][::-1][:2]
    page2 = client.list_channel_messages(room["a"], room["id"], limit=2, forward=False, cursor=page.next_cursor)
    assert [m.message_id for m in page2.messages] == room["ids"][::-1][2:4]
    assert len(client.list_channel_messages(room["a"], room["id"]).messages) == 1
    everything = client.list_channel_messages(room["a"], room["id"], limit=100)
    assert [m.message_id for m in everything.messages] == room["ids"]  # the unsaved message is not listed


def test_history_raw_shape(target: Any, room: dict[str, Any]) -> None:
    from .test_devserver_realtime_base import http

    resp = http(target, _user(room["a"]), "GET", f"/v2/channel/{room['id']}", params={"limit": 1})
    body = resp.json()
    (msg,) = body["messages"]
    assert msg["content"] == '{"n": 0, "s": "page"}'  # re-serialized as the database prints it
    assert msg["create_time"].endswith("Z") and "next_cursor" in body and "cacheable_cursor" in body


def test_history_errors(client: nakama_sync.Client, new_session: Any, room: dict[str, Any]) -> None:
    a = room["a"]
    with pytest.raises(ApiError) as info:
        client.list_channel_messages(a, room["id"], limit=101)
    assert (info.value.status_code, info.value.grpc_code) == (400, 3)
    with pytest.raises(ApiError) as info:
        client.list_channel_messages(a, room["id"], limit=2, cursor="bogus-cursor")
    assert (info.value.status_code, info.value.message) == (400, "Cursor is invalid or expired.")
    other = new_session()
    one, two = sorted((room["b"].user_id, other.user_id))
    with pytest.raises(ApiError) as info:
        client.list_channel_messages(a, f"4.{one}.{two}.", limit=10)
    assert (info.value.status_code, info.value.message) == (400, "Channel not found.")


def test_dm_history_for_both_users(client: nakama_sync.Client, new_session: Any, connect: Any) -> None:
    a, b = new_session(), new_session()
    sa = connect(_user(a))
    chan = sa.ok("channel_join", {"target": b.user_id, "type": 2}, "channel")
    sa.ok("channel_message_send", {"channel_id": chan["id"], "content": '{"dm":"hi"}'}, "channel_message_ack")
    for s in (a, b):
        (msg,) = client.list_channel_messages(s, chan["id"], limit=10).messages
        assert msg.content == {"dm": "hi"} and msg.user_id_one == min(a.user_id, b.user_id)
