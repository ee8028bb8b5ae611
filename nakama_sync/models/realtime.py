"""Models of the realtime socket: presences, matches, chat, status, streams, RPC, notifications, and the
socket's own lifecycle events (Nakama's realtime guides: https://heroiclabs.com/docs/nakama/concepts/multiplayer/).

The socket reads them from the wire with its strict codec (``nakama_sync._socket_codec``, hand-written
readers for the hot ``match_data`` path); ``Model.from_wire`` stays the lenient reader of the HTTP API.
"""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from ..exceptions import SocketErrorCode
from ._base import Model, model, wire_field

__all__ = [
    "Channel",
    "ChannelMessage",
    "ChannelMessageAck",
    "ChannelMessageCode",
    "ChannelPresenceEvent",
    "ChannelType",
    "Match",
    "MatchData",
    "MatchPresenceEvent",
    "Notification",
    "NotificationCode",
    "Rpc",
    "SocketClosed",
    "SocketConnected",
    "SocketErrorEvent",
    "Status",
    "StatusPresenceEvent",
    "Stream",
    "StreamData",
    "StreamMode",
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


class ChannelMessageCode(IntEnum):
    """The ``code`` of a :class:`ChannelMessage`: a user's message (0), its update (1) or removal (2),
    or a group channel's system message about membership (3-9, ``content`` ``{}``).

    Example: ``if event.code == ChannelMessageCode.CHAT: show(event.content)``
    """

    CHAT = 0
    CHAT_UPDATE = 1
    CHAT_REMOVE = 2
    GROUP_JOIN = 3
    GROUP_ADD = 4
    GROUP_LEAVE = 5
    GROUP_KICK = 6
    GROUP_PROMOTE = 7
    GROUP_BAN = 8
    GROUP_DEMOTE = 9


class NotificationCode(IntEnum):
    """The ``code`` values Nakama reserves for its own notifications (all <= 0; see :class:`Notification`).

    Your server code's notifications use codes > 0 (or -2000..-1000 from the runtime): those stay plain
    ``int`` in ``Notification.code``.
    Example: ``if note.code == NotificationCode.FRIEND_REQUEST: client.add_friends(session, ids=[note.sender_id])``
    """

    DM_REQUEST = -1
    FRIEND_REQUEST = -2
    FRIEND_ACCEPT = -3
    GROUP_ADD = -4
    GROUP_JOIN_REQUEST = -5
    FRIEND_JOIN = -6
    SINGLE_SOCKET = -7
    BANNED = -8
    FRIEND_REMOVE = -9


class StreamMode(IntEnum):
    """The ``mode`` of a :class:`Stream`: Nakama's built-in streams. Modes your server code picks for
    its own streams stay plain ``int``.

    Example: ``if event.stream.mode == StreamMode.MATCH_AUTHORITATIVE: ...``
    """

    NOTIFICATIONS = 0
    STATUS = 1
    CHANNEL = 2
    GROUP = 3
    DM = 4
    MATCH_RELAYED = 5
    MATCH_AUTHORITATIVE = 6
    PARTY = 7


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


@model
class Match(Model):
    """A realtime match, as returned by ``create_match`` / ``join_match``.

    Example: ``match = socket.create_match(); print(match.match_id)``. ``self_presence`` is you;
    ``presences`` lists the others. How Nakama counts ``size``: a new unnamed match from ``create_match``
    has size 1 and no presences; joining a match you are not in gives the number of *other* members
    (you not counted); joining a match you are already in (or creating a named one that exists) counts
    everyone, you included, and then ``presences`` includes you too. A match joined through a
    matchmaker token that nobody joined yet comes with size 0 and no presences.
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

    ``content`` is the parsed JSON object; ``code`` a :class:`ChannelMessageCode` (0 chat, 1 update,
    2 remove, 3–9 group system messages; a code newer than this library stays an ``int``).
    Example: ``def on_msg(sender, event): print(event.username, event.content)``
    """

    channel_id: str = ""
    message_id: str = ""
    code: ChannelMessageCode = ChannelMessageCode.CHAT
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
    code: ChannelMessageCode = ChannelMessageCode.CHAT
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
    """A runtime stream's identity; ``mode`` a :class:`StreamMode`, or an ``int`` for your own streams.

    Example: ``event.stream.label``
    """

    mode: StreamMode | int = StreamMode.NOTIFICATIONS
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
    ``code`` is a :class:`NotificationCode` for Nakama's own notifications (<= 0), an ``int`` for yours.
    Example: ``def on_note(sender, event): print(event.subject, event.content)``
    """

    id: str = ""
    subject: str = ""
    content: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    code: NotificationCode | int = 0
    sender_id: str = ""
    create_time: datetime | None = None
    persistent: bool = False


@model
class SocketErrorEvent(Model):
    """Something went wrong that no request is waiting for (signal ``received_error``).

    ``kind`` says what:
    - ``"server"``: an ``error`` envelope without a request (e.g. a bad ``send_match_state``);
      ``code`` is Nakama's error code, a :class:`~nakama_sync.exceptions.SocketErrorCode` member (an
      ``int`` when unknown);
    - ``"malformed_frame"``: the server sent a frame the client could not read (``raw`` holds its
      start); the socket skipped it and carries on;
    - ``"handler_error"``: a handler raised on the reader thread (``use_main_thread=False``);
      ``exception`` holds it.
    ``code`` is -1 for the last two. Example: ``def on_error(sender, event): log(event.kind, event.message)``
    """

    code: SocketErrorCode | int = 0
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
