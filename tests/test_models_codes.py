"""Codes are enums throughout; every Client method's type hints resolve at run time."""
from __future__ import annotations

import inspect
import time
import typing
from enum import IntEnum

import pytest

import nakama_sync
from nakama_sync.models import (
    ChannelMessage,
    ChannelMessageCode,
    ChannelType,
    Friend,
    FriendState,
    GroupUser,
    GroupUserState,
    Notification,
    NotificationCode,
    Operator,
    SortOrder,
    StoragePermissionRead,
    StoragePermissionWrite,
    StoreEnvironment,
    StoreProvider,
    Stream,
    StreamData,
    StreamMode,
    Tournament,
    UserGroup,
    ValidatedPurchase,
    ValidatedSubscription,
)

ALL_CODES = [ChannelType, ChannelMessageCode, FriendState, GroupUserState, NotificationCode, Operator, SortOrder,
             StoragePermissionRead, StoragePermissionWrite, StoreProvider, StoreEnvironment, StreamMode,
             nakama_sync.SocketErrorCode]


@pytest.mark.parametrize("codes", ALL_CODES)
def test_codes_are_int_enums(codes: type[IntEnum]) -> None:
    assert issubclass(codes, IntEnum)


def test_model_fields_hold_enum_members() -> None:
    friend = Friend.from_wire({"state": 2})
    assert friend.state is FriendState.INVITE_RECEIVED and friend.state == 2
    assert "INVITE_RECEIVED" in repr(friend)
    assert GroupUser.from_wire({"state": 1}).state is GroupUserState.ADMIN
    assert UserGroup.from_wire({}).state is GroupUserState.SUPERADMIN
    assert Tournament.from_wire({"sort_order": 1}).sort_order is SortOrder.DESCENDING
    assert Tournament.from_wire({"operator": 3}).operator is Operator.INCREMENT
    purchase = ValidatedPurchase.from_wire({"store": 1, "environment": 2})
    assert (purchase.store, purchase.environment) == (StoreProvider.GOOGLE_PLAY_STORE, StoreEnvironment.PRODUCTION)
    assert ValidatedSubscription.from_wire({"store": 4}).store is StoreProvider.SAMSUNG_GALAXY_STORE


def test_an_unknown_code_stays_a_number() -> None:
    state = Friend.from_wire({"state": 42}).state
    assert state == 42 and not isinstance(state, FriendState)


def test_type_hints_resolve_for_every_client_method() -> None:
    methods = [fn for name, fn in inspect.getmembers(nakama_sync.Client, inspect.isfunction)
               if not name.startswith("_")]
    assert len(methods) > 170
    for fn in methods:
        hints = typing.get_type_hints(fn)
        assert "return" in hints, fn.__name__
    assert typing.get_type_hints(nakama_sync.Client.list_friends)["session"] is nakama_sync.Session


def test_codes_are_exported_by_the_package() -> None:
    for codes in ALL_CODES:
        assert getattr(nakama_sync, codes.__name__) is codes and codes.__name__ in nakama_sync.__all__


def test_every_code_field_of_every_model_is_an_enum() -> None:
    """A model field named like a code is typed with its IntEnum. Plain int only where the value is the
    game's own (op codes, leaderboard categories) or a WebSocket close code."""
    from nakama_sync._decode import code_enum
    from nakama_sync.models._base import Model
    own = {("MatchData", "op_code"), ("PartyData", "op_code"), ("Tournament", "category"),
           ("SocketClosed", "code")}
    names = ("code", "state", "mode", "operator", "sort_order", "store", "environment", "permission_read",
             "permission_write")
    checked = []
    for name in nakama_sync.models.__all__:
        cls = getattr(nakama_sync.models, name)
        if not (isinstance(cls, type) and issubclass(cls, Model)) or cls is Model:
            continue
        for field, hint in typing.get_type_hints(cls).items():
            if field in names and (name, field) not in own:
                checked.append((name, field))
                assert code_enum(hint) is not None, f"{name}.{field} is typed {hint}, not a code enum"
    assert ("ChannelMessage", "code") in checked and ("StorageObject", "permission_read") in checked
    assert ("SocketErrorEvent", "code") in checked
    assert len(checked) >= 15


def test_realtime_codes_from_both_readers() -> None:
    """The HTTP reader (from_wire) and the socket's strict codec give the same enum members."""
    from nakama_sync._socket_codec import decoder
    for read in (ChannelMessage.from_wire, decoder(ChannelMessage)):
        assert read({"channel_id": "2...r", "code": 2}).code is ChannelMessageCode.CHAT_REMOVE
        assert read({"channel_id": "2...r", "code": 77}).code == 77          # newer than us: the number
    for read in (Notification.from_wire, decoder(Notification)):
        assert read({"code": -2}).code is NotificationCode.FRIEND_REQUEST
        assert read({"code": "-9"}).code is NotificationCode.FRIEND_REMOVE    # int64-as-string tolerated
        own = read({"code": 101}).code
        assert own == 101 and not isinstance(own, NotificationCode)
    for read in (StreamData.from_wire, decoder(StreamData)):
        stream = read({"stream": {"mode": 5, "label": "x"}}).stream
        assert stream is not None and stream.mode is StreamMode.MATCH_RELAYED
        custom = read({"stream": {"mode": 123}}).stream
        assert custom is not None and custom.mode == 123
    assert Stream().mode is StreamMode.NOTIFICATIONS
    assert "CHAT_UPDATE" in repr(ChannelMessage.from_wire({"code": 1}))


def test_socket_error_codes_are_an_enum_and_unknown_ones_stay_numbers() -> None:
    from nakama_sync._socket_codec import EVENTS, error_from_wire
    error = error_from_wire({"code": 4, "message": "Match not found"})
    assert error.code is nakama_sync.SocketErrorCode.MATCH_NOT_FOUND and error.code == nakama_sync.SocketError.MATCH_NOT_FOUND
    assert "socket error 4" in str(error)
    newer = error_from_wire({"code": "42", "message": "?"}).code
    assert newer == 42 and not isinstance(newer, nakama_sync.SocketErrorCode)
    event = EVENTS["error"][1]({"code": 3, "message": "bad"})
    assert event.code is nakama_sync.SocketErrorCode.BAD_INPUT and event.kind == "server"


def test_codec_refuses_a_code_that_is_not_a_number() -> None:
    from nakama_sync._socket_codec import DecodeError, decoder
    with pytest.raises(DecodeError):
        decoder(ChannelMessage)({"channel_id": "2...r", "code": "chat"})


def test_query_parameters_send_the_number_of_a_code() -> None:
    """str() of an IntEnum member is its name on Python 3.10: the query must carry the number."""
    from nakama_sync._transport import encode_query
    assert encode_query({"state": FriendState.INVITE_SENT, "limit": 5}) == [("state", "1"), ("limit", "5")]
    assert encode_query({"state": GroupUserState.JOIN_REQUEST}) == [("state", "3")]


def test_storage_permissions_are_enums_both_ways(client: nakama_sync.Client,
                                                 new_session: typing.Callable[[], nakama_sync.Session]) -> None:
    s = new_session()
    client.write_storage_objects(s, [nakama_sync.WriteStorageObject(
        "codes", "k", {"a": 1}, permission_read=StoragePermissionRead.PUBLIC,
        permission_write=StoragePermissionWrite.OWNER_WRITE)])
    (obj,) = client.read_storage_objects(s, [("codes", "k", s.user_id)]).objects
    assert obj.permission_read is StoragePermissionRead.PUBLIC_READ
    assert obj.permission_write is StoragePermissionWrite.OWNER_WRITE
    with pytest.raises(nakama_sync.InvalidArgumentType, match="permission_read"):
        client.write_storage_objects(s, [{"collection": "codes", "key": "k", "value": {},
                                          "permission_read": "public"}])


def test_friend_state_filter_and_notification_codes_over_the_wire(
        client: nakama_sync.Client, new_session: typing.Callable[[], nakama_sync.Session]) -> None:
    a, b = new_session(), new_session()
    bob = client.create_socket()
    bob.connect(b)
    try:
        notes: list[Notification] = []
        bob.received_notification.connect(lambda sender, event: notes.append(event), weak=False)
        client.add_friends(a, ids=[b.user_id])
        (sent,) = client.list_friends(a, state=FriendState.INVITE_SENT).friends
        assert sent.state is FriendState.INVITE_SENT and sent.user is not None and sent.user.id == b.user_id
        assert client.list_friends(a, state=FriendState.MUTUAL).friends == []
        deadline = time.monotonic() + 10
        while not notes:
            assert time.monotonic() < deadline, "no friend-request notification"
            bob.poll(timeout=0.05)
        assert notes[0].code is NotificationCode.FRIEND_REQUEST
        (stored,) = client.list_notifications(b, limit=10).notifications
        assert stored.code is NotificationCode.FRIEND_REQUEST
    finally:
        bob.close()


def test_chat_message_codes_over_the_wire(client: nakama_sync.Client,
                                          new_session: typing.Callable[[], nakama_sync.Session]) -> None:
    s = new_session()
    sock = client.create_socket()
    sock.connect(s)
    try:
        messages: list[ChannelMessage] = []
        sock.received_channel_message.connect(lambda sender, event: messages.append(event), weak=False)
        channel = sock.join_chat(f"codes{s.user_id[:8]}")
        ack = sock.write_chat_message(channel.id, {"t": 1})
        assert ack.code is ChannelMessageCode.CHAT
        update = sock.update_chat_message(channel.id, ack.message_id, {"t": 2})
        assert update.code is ChannelMessageCode.CHAT_UPDATE
        deadline = time.monotonic() + 10
        while len(messages) < 2:
            assert time.monotonic() < deadline, "chat pushes did not arrive"
            sock.poll(timeout=0.05)
        assert [m.code for m in messages[:2]] == [ChannelMessageCode.CHAT, ChannelMessageCode.CHAT_UPDATE]
        assert all(isinstance(m.code, ChannelMessageCode) for m in messages)
        history = client.list_channel_messages(s, channel.id, limit=10).messages
        assert [m.code for m in history] == [ChannelMessageCode.CHAT]   # stored with the code it was sent with
    finally:
        sock.close()
