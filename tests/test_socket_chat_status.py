"""Chat channels and status over real sockets: every request and the events it causes (issue 3)."""
from __future__ import annotations

import pytest

from nakama_sync import SocketError
from nakama_sync.models import (
    Channel,
    ChannelMessage,
    ChannelMessageAck,
    ChannelPresenceEvent,
    ChannelType,
    Status,
    StatusPresenceEvent,
)

from ._socket_helpers import pump_until, recorder, require_ws_handler, sockets  # noqa: F401
from .conftest import unique


def test_room_chat_send_update_remove_leave(target, sockets):  # noqa: F811
    require_ws_handler(target, "channel_join")
    a, b = sockets(), sockets()
    a_msgs, b_msgs = recorder(a, "received_channel_message"), recorder(b, "received_channel_message")
    a_pres = recorder(a, "received_channel_presence")
    room = unique("room")

    channel = a.join_chat(room, ChannelType.ROOM)
    assert isinstance(channel, Channel) and channel.id == f"2...{room}" and channel.room_name == room
    assert channel.self_presence is not None and channel.self_presence.persistence is True
    b_channel = b.join_chat_nowait(room, ChannelType.ROOM, persistence=False).result()
    b_session = b_channel.self_presence.session_id
    pump_until(a, lambda: any(p.session_id == b_session for e in a_pres for p in e.joins), what="B's join")
    assert isinstance(a_pres[-1], ChannelPresenceEvent) and a_pres[-1].channel_id == channel.id

    ack = a.write_chat_message(channel.id, {"text": "hi", "n": 1})
    assert isinstance(ack, ChannelMessageAck) and ack.code == 0 and ack.persistent
    pump_until(b, lambda: b_msgs, what="the message on B")
    message = b_msgs[0]
    assert isinstance(message, ChannelMessage)
    assert message.content == {"text": "hi", "n": 1} and message.message_id == ack.message_id
    assert message.create_time is not None and message.room_name == room
    pump_until(a, lambda: a_msgs, what="the sender's own push")

    updated = a.update_chat_message(channel.id, ack.message_id, '{"text": "edited"}')
    assert updated.code == 1 and updated.message_id == ack.message_id
    pump_until(b, lambda: len(b_msgs) == 2, what="the update")
    assert b_msgs[1].code == 1 and b_msgs[1].content == {"text": "edited"}

    removed = a.remove_chat_message(channel.id, ack.message_id)
    assert removed.code == 2
    pump_until(b, lambda: len(b_msgs) == 3, what="the removal")
    assert b_msgs[2].code == 2

    with pytest.raises(SocketError) as info:
        a.remove_chat_message(channel.id, ack.message_id)
    assert info.value.code == SocketError.BAD_INPUT
    b.leave_chat(b_channel.id)
    pump_until(a, lambda: any(p.session_id == b_session for e in a_pres for p in e.leaves), what="B's leave")
    with pytest.raises(SocketError):
        b.write_chat_message(b_channel.id, {"text": "not joined"})
    with pytest.raises(TypeError):
        a.write_chat_message(channel.id, 42)  # type: ignore[arg-type]


def test_status_follow_update_unfollow(target, sockets, new_session):  # noqa: F811
    require_ws_handler(target, "status_follow")
    watcher = sockets()
    events = recorder(watcher, "received_status_presence")
    friend_session = new_session()
    assert watcher.follow_users([friend_session.user_id]).presences == []  # offline
    friend = sockets(friend_session, appear_online=True)
    pump_until(watcher, lambda: events, what="the friend coming online")
    assert isinstance(events[0], StatusPresenceEvent)
    assert events[0].joins[0].user_id == friend_session.user_id and events[0].joins[0].status == ""

    status = watcher.follow_users_nowait(usernames=[friend_session.username]).result()
    assert isinstance(status, Status) and [p.user_id for p in status.presences] == [friend_session.user_id]

    friend.update_status("in a match")
    pump_until(watcher, lambda: any(p.status == "in a match" for e in events for p in e.joins), what="status")
    friend.update_status(None)  # appear offline
    pump_until(watcher, lambda: events[-1].leaves and not events[-1].joins, what="going offline")

    watcher.unfollow_users([friend_session.user_id])
    before = len(events)
    friend.update_status("back")
    friend.ping()
    watcher.ping()
    watcher.poll()
    assert len(events) == before
    with pytest.raises(SocketError):
        watcher.follow_users(["not-a-uuid"])
    with pytest.raises(TypeError):
        watcher.follow_users("a-single-string")
