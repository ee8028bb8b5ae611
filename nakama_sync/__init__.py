"""nakama-sync: a Nakama client for games with a frame loop and no asyncio.

Example::

    import nakama_sync
    client = nakama_sync.Client(server_key="defaultkey", host="127.0.0.1", port=7350)
    session = client.authenticate_device("device-id-123")
    socket = client.create_socket()
    socket.connect(session)
    while running:
        socket.poll()          # your handlers run here, on the game's thread
"""
import logging as _logging

from . import models
from ._events import EventHandler, SessionHandler, SessionSignal, SocketEvent, StrongSignal
from ._future import SocketFuture
from ._version import __version__
from .client import DEFAULT_RETRIES, DEFAULT_TIMEOUT, Client, HttpFuture, RetryConfig
from .exceptions import (
                         AlreadyConnected,
                         ApiError,
                         ConnectionClosed,
                         DecodeError,
                         HttpTimeout,
                         InvalidArgument,
                         InvalidArgumentType,
                         NakamaError,
                         ReentrantPollError,
                         RequestTimeout,
                         SessionError,
                         SignalUsedAsBool,
                         SocketError,
                         SocketErrorCode,
                         TransportError,
                         UsageError,
)
from .models import *
from .session import Session
from .socket import ReconnectPolicy, Socket

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

__all__ = [
    "DEFAULT_RETRIES", "DEFAULT_TIMEOUT",
    "Account", "AccountDevice", "AlreadyConnected", "ApiError", "ApiMatch", "Channel", "ChannelMessage", "ChannelMessageAck", "ChannelMessageCode",
    "ChannelMessageList", "ChannelPresenceEvent", "ChannelType", "Client", "ConnectionClosed",
    "DecodeError", "DeleteStorageObjectId", "EventHandler", "Friend", "FriendList", "FriendOfFriend", "FriendState",
    "FriendsOfFriendsList", "Group", "GroupList", "GroupUser", "GroupUserList", "GroupUserState",
    "HttpFuture",
    "HttpTimeout",
    "InvalidArgument", "InvalidArgumentType",
    "LeaderboardRecord", "LeaderboardRecordList", "LostItem", "Match", "MatchData", "MatchList",
    "MatchPresenceEvent", "MatchmakerCompletionStats", "MatchmakerMatched", "MatchmakerStats",
    "MatchmakerTicket", "MatchmakerUser", "Model", "NakamaError", "Notification", "NotificationCode", "NotificationList",
    "Operator", "Party", "PartyClose", "PartyData", "PartyJoinRequest", "PartyLeader", "PartyList",
    "PartyMatchmakerTicket", "PartyPresenceEvent", "PartyUpdate", "ReadStorageObjectId", "ReconnectPolicy",
    "ReentrantPollError", "RequestTimeout",
    "RetryConfig",
    "Rpc", "Session", "SessionError", "SessionHandler", "SessionSignal", "SignalUsedAsBool", "Socket", "SocketClosed",
    "SocketConnected", "SocketError", "SocketErrorCode", "SocketErrorEvent", "SocketEvent", "SocketFuture", "SocketReconnected", "SocketReconnecting", "SortOrder", "Status", "StatusPresenceEvent",
    "StorageObject", "StorageObjectAck", "StorageObjectAcks", "StorageObjectList", "StorageObjects",
    "StoragePermissionRead", "StoragePermissionWrite", "StoreEnvironment", "StoreProvider", "Stream",
    "StreamData", "StreamMode", "StreamPresenceEvent", "StrongSignal", "SubscriptionList", "Tournament", "TournamentList",
    "TournamentRecordList", "TransportError", "UsageError", "User", "UserGroup", "UserGroupList", "UserPresence", "Users",
    "ValidatePurchaseResponse", "ValidateSubscriptionResponse", "ValidatedPurchase",
    "ValidatedSubscription", "WriteStorageObject", "__version__", "models"
]
