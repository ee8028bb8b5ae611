"""Models of the realtime socket: presences, matches, chat, status, streams, RPC, notifications, and the
socket's own lifecycle events (PROTOCOL.md §3.3–3.5).

``UserPresence`` and ``MatchData`` have hand-written ``from_wire`` methods: they are on the hot path of
the socket reader (thousands of ``match_data`` a second).
"""
from __future__ import annotations

import binascii
from datetime import datetime
from enum import IntEnum
from typing import Any

from ._base import Model, model, wire_field

__all__ = [
    "Channel",
    "ChannelMessage",
    "ChannelMessageAck",
    "ChannelPresenceEvent",
    "ChannelType",
    "Match",
    "MatchData",
    "MatchPresenceEvent",
    "Notification",
    "Rpc",
    "SocketClosed",
    "SocketConnected",
    "SocketErrorEvent",
    "Status",
    "StatusPresenceEvent",
    "Stream",
    "StreamData",
    "StreamPresenceEvent",
    "UserPresence",
]


class ChannelType(IntEnum):
    """The ``type`` of :meth:`Socket.join_chat`.

    Example: ``socket.join_chat("general", ChannelType.ROOM)``
    """

    ROOM = 1
    DIRECT_MESSAGE = 2
    GROUP = 3


@model
class UserPresence(Model):
    """One user on one socket (``session_id``) in a match, channel, party, stream or status list.

    Example: ``event.joins[0].username``. ``status`` is set only for status presences; ``persistence``
    only for chat presences. Immutable: any thread may read it.
    """

    user_id: str = ""
    session_id: str = ""
    username: str = ""
    persistence: bool = False
    status: str | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> UserPresence:
        """Read the wire object (hand-written: hot path). Example: ``UserPresence.from_wire({"user_id": "…"})``"""
        if not data:
            return cls()
        if cls is not UserPresence:
            return cls(data.get("user_id", ""), data.get("session_id", ""), data.get("username", ""),
                       data.get("persistence", False), data.get("status"))
        get = data.get
        obj = _new(cls)   # the frozen __init__ costs ~3x more: it sets each field through object.__setattr__
        _set_up_user_id(obj, get("user_id", ""))
        _set_up_session_id(obj, get("session_id", ""))
        _set_up_username(obj, get("username", ""))
        _set_up_persistence(obj, get("persistence", False))
        _set_up_status(obj, get("status"))
        return obj


@model
class Match(Model):
    """A realtime match, as returned by ``create_match`` / ``join_match``.

    Example: ``match = socket.create_match(); print(match.match_id)``. ``presences`` lists the others
    (see PROTOCOL.md §7.2 for how ``size`` is counted); ``self_presence`` is you.
    """

    match_id: str = ""
    authoritative: bool = False
    label: str | None = None
    size: int = 0
    presences: list[UserPresence] = wire_field(default_factory=list)
    self_presence: UserPresence | None = wire_field(name="self", default=None)


@model
class MatchData(Model):
    """Match state sent by another player (signal ``received_match_state``).

    Example: ``def on_state(sender, event): print(event.op_code, event.data)``. ``presence`` is the
    sender (``None`` when an authoritative match sends with no sender).
    """

    match_id: str = ""
    presence: UserPresence | None = None
    op_code: int = 0
    data: bytes = b""
    reliable: bool = False

    @classmethod
    def from_wire(cls, data: dict[str, Any] | None) -> MatchData:
        """Read the wire object (hand-written: hot path). Example: ``MatchData.from_wire({"op_code": "1"})``"""
        if not data:
            return cls()
        presence = data.get("presence")
        op_code = data.get("op_code")
        payload = data.get("data")
        match_id = data.get("match_id", "")
        if type(match_id) is not str:
            raise TypeError("match_id is not a string")
        if cls is not MatchData:
            return cls(match_id, UserPresence.from_wire(presence) if presence is not None else None,
                       int(op_code) if op_code else 0, binascii.a2b_base64(payload) if payload else b"",
                       data.get("reliable", False) is True)
        presence = UserPresence.from_wire(presence) if presence is not None else None
        op_code = int(op_code) if op_code else 0
        payload = binascii.a2b_base64(payload) if payload else b""
        obj = _new(cls)   # every field is set below, as the frozen __init__ would (but ~3x cheaper)
        _set_md_match_id(obj, match_id)
        _set_md_presence(obj, presence)
        _set_md_op_code(obj, op_code)
        _set_md_data(obj, payload)
        _set_md_reliable(obj, data.get("reliable", False) is True)
        return obj


# Slot setters for the hand-written decoders above (hot path of the socket reader).
_new = object.__new__
_set_up_user_id = UserPresence.user_id.__set__  # type: ignore[attr-defined,union-attr]
_set_up_session_id = UserPresence.session_id.__set__  # type: ignore[attr-defined,union-attr]
_set_up_username = UserPresence.username.__set__  # type: ignore[attr-defined,union-attr]
_set_up_persistence = UserPresence.persistence.__set__  # type: ignore[attr-defined,union-attr]
_set_up_status = UserPresence.status.__set__  # type: ignore[attr-defined,union-attr]
_set_md_match_id = MatchData.match_id.__set__  # type: ignore[attr-defined,union-attr]
_set_md_presence = MatchData.presence.__set__  # type: ignore[attr-defined,union-attr]
_set_md_op_code = MatchData.op_code.__set__  # type: ignore[attr-defined,union-attr]
_set_md_data = MatchData.data.__set__  # type: ignore[attr-defined,union-attr]
_set_md_reliable = MatchData.reliable.__set__  # type: ignore[attr-defined,union-attr]


@model
class MatchPresenceEvent(Model):
    """Players joined or left a match (signal ``received_match_presence``).

    Example: ``for p in event.joins: print(p.username, "joined", event.match_id)``
    """

    match_id: str = ""
    joins: list[UserPresence] = wire_field(default_factory=list)
    leaves: list[UserPresence] = wire_field(default_factory=list)


@model
class Channel(Model):
    """A joined chat channel (reply to ``join_chat``).

    Example: ``channel = socket.join_chat("general", ChannelType.ROOM); channel.id``
    """

    id: str = ""
    presences: list[UserPresence] = wire_field(default_factory=list)
    self_presence: UserPresence | None = wire_field(name="self", default=None)
    room_name: str = ""
    group_id: str = ""
    user_id_one: str = ""
    user_id_two: str = ""


@model
class ChannelMessage(Model):
    """A chat message (signal ``received_channel_message``; also the items of the HTTP history).

    ``content`` is the parsed JSON object; ``code`` 0 chat, 1 update, 2 remove, 3–9 group system messages.
    Example: ``def on_msg(sender, event): print(event.username, event.content)``
    """

    channel_id: str = ""
    message_id: str = ""
    code: int = 0
    sender_id: str = ""
    username: str = ""
    content: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    create_time: datetime | None = None
    update_time: datetime | None = None
    persistent: bool = False
    room_name: str = ""
    group_id: str = ""
    user_id_one: str = ""
    user_id_two: str = ""


@model
class ChannelMessageAck(Model):
    """The server's receipt for a message you sent, updated or removed (no content, no sender_id).

    Example: ``ack = socket.write_chat_message(channel.id, {"text": "hi"}); ack.message_id``
    """

    channel_id: str = ""
    message_id: str = ""
    code: int = 0
    username: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    persistent: bool = False
    room_name: str = ""
    group_id: str = ""
    user_id_one: str = ""
    user_id_two: str = ""


@model
class ChannelPresenceEvent(Model):
    """Users joined or left a chat channel (signal ``received_channel_presence``).

    Example: ``print([p.username for p in event.joins])``
    """

    channel_id: str = ""
    joins: list[UserPresence] = wire_field(default_factory=list)
    leaves: list[UserPresence] = wire_field(default_factory=list)
    room_name: str = ""
    group_id: str = ""
    user_id_one: str = ""
    user_id_two: str = ""


@model
class Status(Model):
    """The current status presences of followed users (reply to ``follow_users``).

    Example: ``online = {p.user_id for p in socket.follow_users([uid]).presences}``
    """

    presences: list[UserPresence] = wire_field(default_factory=list)


@model
class StatusPresenceEvent(Model):
    """A followed user came online, changed status or went offline (signal ``received_status_presence``).

    A status change has the old presence in ``leaves`` and the new one in ``joins``.
    Example: ``for p in event.joins: print(p.username, p.status)``
    """

    joins: list[UserPresence] = wire_field(default_factory=list)
    leaves: list[UserPresence] = wire_field(default_factory=list)


@model
class Stream(Model):
    """A runtime stream's identity. Example: ``event.stream.label``"""

    mode: int = 0
    subject: str = ""
    subcontext: str = ""
    label: str = ""


@model
class StreamData(Model):
    """Data sent on a runtime stream by server code (signal ``received_stream_state``); ``data`` is text.

    Example: ``def on_stream(sender, event): print(event.stream.mode, event.data)``
    """

    stream: Stream | None = None
    sender: UserPresence | None = None
    data: str = ""
    reliable: bool = False


@model
class StreamPresenceEvent(Model):
    """Users joined or left a runtime stream (signal ``received_stream_presence``).

    Example: ``print(event.stream.label, len(event.joins))``
    """

    stream: Stream | None = None
    joins: list[UserPresence] = wire_field(default_factory=list)
    leaves: list[UserPresence] = wire_field(default_factory=list)


@model
class Rpc(Model):
    """The reply to ``socket.rpc``: ``payload`` is the function's result text (``""`` when empty).

    Example: ``json.loads(socket.rpc("echo", {"a": 1}).payload)``
    """

    id: str = ""
    payload: str = ""


@model
class Notification(Model):
    """A notification (signal ``received_notification``, one per notification; also the HTTP list items).

    ``content`` is the parsed JSON object; ``sender_id`` is the nil UUID when server code sent it.
    Example: ``def on_note(sender, event): print(event.subject, event.content)``
    """

    id: str = ""
    subject: str = ""
    content: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    code: int = 0
    sender_id: str = ""
    create_time: datetime | None = None
    persistent: bool = False


@model
class SocketErrorEvent(Model):
    """Something went wrong that no request is waiting for (signal ``received_error``).

    ``kind`` says what:
    - ``"server"``: an ``error`` envelope without a request (e.g. a bad ``send_match_state``);
      ``code`` is Nakama's error code (see :class:`SocketError` constants);
    - ``"malformed_frame"``: the server sent a frame the client could not read (``raw`` holds its
      start); the socket skipped it and carries on;
    - ``"handler_error"``: a handler raised on the reader thread (``use_main_thread=False``);
      ``exception`` holds it.
    ``code`` is -1 for the last two. Example: ``def on_error(sender, event): log(event.kind, event.message)``
    """

    code: int = 0
    message: str = ""
    context: dict[str, str] = wire_field(default_factory=dict)
    kind: str = "server"
    raw: str | None = None
    exception: BaseException | None = None


@model
class SocketConnected(Model):
    """Sent on ``connected`` once the socket is open. Example: ``print("online as", event.username)``"""

    user_id: str = ""
    username: str = ""


@model
class SocketClosed(Model):
    """Sent on ``closed``, exactly once per connection, with why it ended.

    ``code`` is the server's WebSocket close code when it sent one; ``by_client`` is True when
    ``socket.close()`` ended it. Example: ``def on_closed(sender, event): print(event.reason)``
    """

    reason: str = ""
    code: int | None = None
    by_client: bool = False
