"""Client methods: friends and groups (a mixin of Client; see _client_base for the contract).

Every method blocks on one HTTP request and may be called from any thread (the Client's
``requests.Session`` is shared; keep heavy use on one thread for a game loop).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import _wire
from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .exceptions import InvalidArgumentType
from .models.social import (
    FriendList,
    FriendsOfFriendsList,
    FriendState,
    Group,
    GroupList,
    GroupUserList,
    GroupUserState,
    UserGroupList,
)
from .session import Session

__all__ = ["_SocialApi"]


def _id_list(value: str | Iterable[str] | None, name: str) -> list[str] | None:
    """A list of ids from a list, a tuple or a single string (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    out = list(value)
    for item in out:
        if not isinstance(item, str):
            raise InvalidArgumentType(f"{name} must hold strings, got {type(item).__name__}")
    return out


def _body_without_none(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


class _SocialApi(_ClientBase):
    # ---- friends ----------------------------------------------------------------------------
    @checked
    def add_friends(self, session: Session, ids: str | Iterable[str] | None = None,
                    usernames: str | Iterable[str] | None = None,
                    metadata: Mapping[str, Any] | str | None = None) -> None:
        """Add friends by user id and/or username (sends a request, or accepts theirs).

        Example: ``client.add_friends(session, usernames=["alice"])``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"ids": _id_list(ids, "ids"), "usernames": _id_list(usernames, "usernames"),
                 "metadata": None if metadata is None else _wire.json_text(metadata)}
        self._call("POST", "/v2/friend", session, query=query)
    add_friends_nowait = nowait(add_friends)

    @checked
    def list_friends(self, session: Session, state: FriendState | int | None = None, limit: int | None = None,
                     cursor: str | None = None) -> FriendList:
        """One page of your friends, optionally only those in ``state`` (see ``FriendState``).

        Example: ``mutual = client.list_friends(session, state=FriendState.MUTUAL, limit=100).friends``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("GET", "/v2/friend", session,
                          query={"state": state, "limit": limit, "cursor": cursor or None})
        return FriendList.from_wire(data)
    list_friends_nowait = nowait(list_friends)

    @checked
    def delete_friends(self, session: Session, ids: str | Iterable[str] | None = None,
                       usernames: str | Iterable[str] | None = None) -> None:
        """Remove friends (or refuse/cancel requests, or unblock) by id and/or username.

        Example: ``client.delete_friends(session, ids=[user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("DELETE", "/v2/friend", session,
                   query={"ids": _id_list(ids, "ids"), "usernames": _id_list(usernames, "usernames")})
    delete_friends_nowait = nowait(delete_friends)

    @checked
    def block_friends(self, session: Session, ids: str | Iterable[str] | None = None,
                      usernames: str | Iterable[str] | None = None) -> None:
        """Block users by id and/or username.

        Example: ``client.block_friends(session, usernames=["troll"])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("POST", "/v2/friend/block", session,
                   query={"ids": _id_list(ids, "ids"), "usernames": _id_list(usernames, "usernames")})
    block_friends_nowait = nowait(block_friends)

    @checked
    def list_friends_of_friends(self, session: Session, limit: int | None = None,
                                cursor: str | None = None) -> FriendsOfFriendsList:
        """One page of the friends of your friends (who are not your friends yet).

        Example: ``page = client.list_friends_of_friends(session, limit=20)``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("GET", "/v2/friend/friends", session,
                          query={"limit": limit, "cursor": cursor or None})
        return FriendsOfFriendsList.from_wire(data)
    list_friends_of_friends_nowait = nowait(list_friends_of_friends)

    @checked
    def import_facebook_friends(self, session: Session, token: str, reset: bool | None = None,
                                vars: Mapping[str, str] | None = None) -> None:
        """Add your Facebook friends who play; ``reset=True`` first removes earlier imports.

        Example: ``client.import_facebook_friends(session, fb_access_token)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _body_without_none(token=token, vars=dict(vars) if vars else None)
        self._call("POST", "/v2/friend/facebook", session, query={"reset": reset}, body=body)
    import_facebook_friends_nowait = nowait(import_facebook_friends)

    @checked
    def import_steam_friends(self, session: Session, token: str, reset: bool | None = None,
                             vars: Mapping[str, str] | None = None) -> None:
        """Add your Steam friends who play; ``reset=True`` first removes earlier imports.

        Example: ``client.import_steam_friends(session, steam_ticket)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _body_without_none(token=token, vars=dict(vars) if vars else None)
        self._call("POST", "/v2/friend/steam", session, query={"reset": reset}, body=body)
    import_steam_friends_nowait = nowait(import_steam_friends)

    # ---- groups -----------------------------------------------------------------------------
    @checked
    def create_group(self, session: Session, name: str, description: str | None = None,
                     lang_tag: str | None = None, avatar_url: str | None = None, open: bool | None = None,
                     max_count: int | None = None) -> Group:
        """Create a group you own (superadmin). ``open=False`` makes joins need approval.

        Example: ``group = client.create_group(session, "red-team", open=True, max_count=50)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _body_without_none(name=name, description=description, lang_tag=lang_tag,
                                  avatar_url=avatar_url, open=open, max_count=max_count)
        return Group.from_wire(self._call("POST", "/v2/group", session, body=body))
    create_group_nowait = nowait(create_group)

    @checked
    def update_group(self, session: Session, group_id: str, name: str | None = None,
                     description: str | None = None, lang_tag: str | None = None,
                     avatar_url: str | None = None, open: bool | None = None) -> None:
        """Change a group's fields (only those given). Admins and superadmins only.

        Example: ``client.update_group(session, group.id, description="we win", open=False)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _body_without_none(name=name, description=description, lang_tag=lang_tag,
                                  avatar_url=avatar_url, open=open)
        self._call("PUT", f"/v2/group/{_quote(group_id)}", session, body=body)
    update_group_nowait = nowait(update_group)

    @checked
    def delete_group(self, session: Session, group_id: str) -> None:
        """Delete a group (superadmins only).

        Example: ``client.delete_group(session, group.id)``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("DELETE", f"/v2/group/{_quote(group_id)}", session)
    delete_group_nowait = nowait(delete_group)

    @checked
    def list_groups(self, session: Session, name: str | None = None, cursor: str | None = None,
                    limit: int | None = None, lang_tag: str | None = None, members: int | None = None,
                    open: bool | None = None) -> GroupList:
        """One page of groups; ``name`` may end with ``%`` to match a prefix.

        Example: ``page = client.list_groups(session, name="red%", limit=20)``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"name": name, "cursor": cursor or None, "limit": limit, "lang_tag": lang_tag,
                 "members": members, "open": open}
        return GroupList.from_wire(self._call("GET", "/v2/group", session, query=query))
    list_groups_nowait = nowait(list_groups)

    @checked
    def join_group(self, session: Session, group_id: str) -> None:
        """Join an open group, or ask to join a closed one (state 3 until an admin adds you).

        Example: ``client.join_group(session, group.id)``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("POST", f"/v2/group/{_quote(group_id)}/join", session)
    join_group_nowait = nowait(join_group)

    @checked
    def leave_group(self, session: Session, group_id: str) -> None:
        """Leave a group.

        Example: ``client.leave_group(session, group.id)``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("POST", f"/v2/group/{_quote(group_id)}/leave", session)
    leave_group_nowait = nowait(leave_group)

    def _group_users_op(self, session: Session, group_id: str, op: str,
                        user_ids: str | Iterable[str]) -> None:
        self._call("POST", f"/v2/group/{_quote(group_id)}/{op}", session,
                   query={"user_ids": _id_list(user_ids, "user_ids")})

    @checked
    def add_group_users(self, session: Session, group_id: str, user_ids: str | Iterable[str]) -> None:
        """Add users to a group, or accept their join requests (admins only).

        Example: ``client.add_group_users(session, group.id, [user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._group_users_op(session, group_id, "add", user_ids)
    add_group_users_nowait = nowait(add_group_users)

    @checked
    def kick_group_users(self, session: Session, group_id: str, user_ids: str | Iterable[str]) -> None:
        """Remove members from a group, or refuse join requests (admins only).

        Example: ``client.kick_group_users(session, group.id, [user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._group_users_op(session, group_id, "kick", user_ids)
    kick_group_users_nowait = nowait(kick_group_users)

    @checked
    def ban_group_users(self, session: Session, group_id: str, user_ids: str | Iterable[str]) -> None:
        """Ban users from a group: they are removed and cannot join again (admins only).

        Example: ``client.ban_group_users(session, group.id, [user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._group_users_op(session, group_id, "ban", user_ids)
    ban_group_users_nowait = nowait(ban_group_users)

    @checked
    def promote_group_users(self, session: Session, group_id: str, user_ids: str | Iterable[str]) -> None:
        """Raise members one step (member → admin → superadmin).

        Example: ``client.promote_group_users(session, group.id, [user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._group_users_op(session, group_id, "promote", user_ids)
    promote_group_users_nowait = nowait(promote_group_users)

    @checked
    def demote_group_users(self, session: Session, group_id: str, user_ids: str | Iterable[str]) -> None:
        """Lower members one step (superadmin → admin → member).

        Example: ``client.demote_group_users(session, group.id, [user_id])``
        Thread: any thread; blocks on one HTTP request.
        """
        self._group_users_op(session, group_id, "demote", user_ids)
    demote_group_users_nowait = nowait(demote_group_users)

    @checked
    def list_group_users(self, session: Session, group_id: str, state: GroupUserState | int | None = None,
                         limit: int | None = None, cursor: str | None = None) -> GroupUserList:
        """One page of a group's members (and join requests), optionally only one ``state``.

        Example: ``requests = client.list_group_users(session, gid, state=GroupUserState.JOIN_REQUEST)``
        Thread: any thread; blocks on one HTTP request.
        """
        data = self._call("GET", f"/v2/group/{_quote(group_id)}/user", session,
                          query={"state": state, "limit": limit, "cursor": cursor or None})
        return GroupUserList.from_wire(data)
    list_group_users_nowait = nowait(list_group_users)

    @checked
    def list_user_groups(self, session: Session, user_id: str | None = None,
                         state: GroupUserState | int | None = None,
                         limit: int | None = None, cursor: str | None = None) -> UserGroupList:
        """One page of the groups of ``user_id`` (default: you), with the user's state in each.

        Example: ``mine = [ug.group.name for ug in client.list_user_groups(session).user_groups]``
        Thread: any thread; blocks on one HTTP request.
        """
        uid = user_id if user_id is not None else session.user_id
        data = self._call("GET", f"/v2/user/{_quote(uid)}/group", session,
                          query={"state": state, "limit": limit, "cursor": cursor or None})
        return UserGroupList.from_wire(data)
    list_user_groups_nowait = nowait(list_user_groups)
