"""Models: friends and groups (see nakama_sync.models).

Page models (``FriendList``, ``GroupList``, ...) carry the ``cursor`` of the next page; walk every page
with :func:`nakama_sync.paging.items`.
"""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar

from ._base import Model, model, wire_field
from .account import User

__all__ = [
    "Friend",
    "FriendList",
    "FriendOfFriend",
    "FriendState",
    "FriendsOfFriendsList",
    "Group",
    "GroupList",
    "GroupUser",
    "GroupUserList",
    "GroupUserState",
    "UserGroup",
    "UserGroupList",
]


class FriendState(IntEnum):
    """The ``state`` of a :class:`Friend`. Example: ``if f.state == FriendState.MUTUAL: ...``"""

    MUTUAL = 0
    INVITE_SENT = 1
    INVITE_RECEIVED = 2
    BLOCKED = 3


class GroupUserState(IntEnum):
    """The ``state`` of a group member. Example: ``client.list_group_users(s, gid, state=GroupUserState.ADMIN)``"""

    SUPERADMIN = 0
    ADMIN = 1
    MEMBER = 2
    JOIN_REQUEST = 3


@model
class Friend(Model):
    """A user in your friend list with the relationship ``state`` (see :class:`FriendState`).

    Example: ``names = [f.user.username for f in client.list_friends(session).friends]``
    Thread safety: immutable; any thread may read it.
    """

    user: User | None = None
    state: FriendState = FriendState.MUTUAL
    update_time: datetime | None = None
    metadata: dict[str, Any] = wire_field(json_text=True, default_factory=dict)


@model
class FriendList(Model):
    """One page of friends; ``cursor`` is empty on the last page.

    Example: ``page = client.list_friends(session, limit=50)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "friends"
    friends: list[Friend] = wire_field(default_factory=list)
    cursor: str = ""


@model
class FriendOfFriend(Model):
    """A friend of one of your friends; ``referrer`` is the id of your friend.

    Example: ``fof.user.username``
    Thread safety: immutable; any thread may read it.
    """

    referrer: str = ""
    user: User | None = None


@model
class FriendsOfFriendsList(Model):
    """One page of friends of friends.

    Example: ``page = client.list_friends_of_friends(session, limit=10)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "friends_of_friends"
    friends_of_friends: list[FriendOfFriend] = wire_field(default_factory=list)
    cursor: str = ""


@model
class Group(Model):
    """A group (clan, guild).

    Example: ``group = client.create_group(session, "red-team", open=True)``
    Thread safety: immutable; any thread may read it.
    """

    id: str = ""
    creator_id: str = ""
    name: str = ""
    description: str = ""
    lang_tag: str = ""
    metadata: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    avatar_url: str = ""
    open: bool = False
    edge_count: int = 0
    max_count: int = 0
    create_time: datetime | None = None
    update_time: datetime | None = None


@model
class GroupList(Model):
    """One page of groups.

    Example: ``page = client.list_groups(session, name="red%", limit=20)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "groups"
    groups: list[Group] = wire_field(default_factory=list)
    cursor: str = ""


@model
class GroupUser(Model):
    """A member of a group with their ``state`` (see :class:`GroupUserState`).

    Example: ``admins = [m.user for m in page.group_users if m.state <= GroupUserState.ADMIN]``
    Thread safety: immutable; any thread may read it.
    """

    user: User | None = None
    state: GroupUserState = GroupUserState.SUPERADMIN


@model
class GroupUserList(Model):
    """One page of a group's members.

    Example: ``page = client.list_group_users(session, group_id, limit=100)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "group_users"
    group_users: list[GroupUser] = wire_field(default_factory=list)
    cursor: str = ""


@model
class UserGroup(Model):
    """A group a user belongs to, with the user's ``state`` in it.

    Example: ``[ug.group.name for ug in client.list_user_groups(session).user_groups]``
    Thread safety: immutable; any thread may read it.
    """

    group: Group | None = None
    state: GroupUserState = GroupUserState.SUPERADMIN


@model
class UserGroupList(Model):
    """One page of a user's groups.

    Example: ``page = client.list_user_groups(session, user_id)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "user_groups"
    user_groups: list[UserGroup] = wire_field(default_factory=list)
    cursor: str = ""
