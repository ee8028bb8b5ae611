"""Model classes: frozen dataclasses named after Nakama's protocol messages.

Attribute names are the protocol's snake_case field names (``self`` is ``self_presence``); int64 fields
are ``int``, bytes are ``bytes``, timestamps are aware UTC ``datetime``, JSON-in-a-string fields such
as ``content`` are parsed ``dict``. Every model has ``Model.from_wire(dict)``.

``__all__`` lists every submodule's names (tests/test_package.py checks it stays complete).
"""
from ._base import Model
from .account import *
from .chat_lists import *
from .leaderboard import *
from .misc import *
from .party import *
from .realtime import *
from .reconnect import *
from .social import *
from .storage import *

__all__ = [
    "Account", "AccountDevice", "ApiMatch", "Channel", "ChannelMessage", "ChannelMessageAck", "ChannelMessageCode",
    "ChannelMessageList", "ChannelPresenceEvent", "ChannelType", "DeleteStorageObjectId", "Friend",
    "FriendList", "FriendOfFriend", "FriendState", "FriendsOfFriendsList", "Group", "GroupList",
    "GroupUser", "GroupUserList", "GroupUserState", "LeaderboardRecord", "LeaderboardRecordList", "LostItem", "Match",
    "MatchData", "MatchList", "MatchPresenceEvent", "MatchmakerCompletionStats", "MatchmakerMatched",
    "MatchmakerStats", "MatchmakerTicket", "MatchmakerUser", "Model", "Notification", "NotificationCode", "NotificationList",
    "Operator", "Party", "PartyClose", "PartyData", "PartyJoinRequest", "PartyLeader", "PartyList",
    "PartyMatchmakerTicket", "PartyPresenceEvent", "PartyUpdate", "ReadStorageObjectId", "Rpc",
    "SocketClosed", "SocketConnected", "SocketErrorEvent", "SocketReconnected", "SocketReconnecting", "SortOrder", "Status", "StatusPresenceEvent",
    "StorageObject", "StorageObjectAck", "StorageObjectAcks", "StorageObjectList", "StorageObjects",
    "StoragePermissionRead", "StoragePermissionWrite", "StoreEnvironment", "StoreProvider", "Stream",
    "StreamData", "StreamMode", "StreamPresenceEvent", "SubscriptionList", "Tournament", "TournamentList",
    "TournamentRecordList", "User", "UserGroup", "UserGroupList", "UserPresence", "Users",
    "ValidatePurchaseResponse", "ValidateSubscriptionResponse", "ValidatedPurchase",
    "ValidatedSubscription", "WriteStorageObject"
]
