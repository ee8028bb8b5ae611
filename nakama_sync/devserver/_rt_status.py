"""Status presences and follows on the dev server (Nakama's pipeline_status.go; see
https://heroiclabs.com/docs/nakama/concepts/status/).

A socket is "online" while it has a status presence: it connected with ``status=true`` or sent a
``status_update`` with a status. Every socket follows its own user from the start; ``status_follow``
adds more users. Followers get ``status_presence_event`` pushes on connect, update and disconnect.

Other modules use ``hub.status`` (loop thread only):

- ``hub.status.is_online(user_id) -> bool``: whether any socket of the user has a status presence
  (the users API fills ``online`` with it). Example: ``hub.status.is_online(uid)``
"""
from __future__ import annotations

import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["StatusRegistry", "install"]

BAD_INPUT = 3
RUNTIME_EXCEPTION = 0
MAX_STATUS_BYTES = 2048


class StatusRegistry:
    """Status presences (one per session at most) and who follows whom. Loop thread only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.statuses: dict[str, tuple[WsSession, str]] = {}      # session_id -> (session, status)
        self.followers: dict[str, dict[str, WsSession]] = {}       # user_id -> {session_id: follower}
        self.follows: dict[str, set[str]] = {}                     # session_id -> followed user ids

    # ---- API ------------------------------------------------------------------------------------
    def is_online(self, user_id: str) -> bool:
        """True while any socket of ``user_id`` has a status presence."""
        return any(s.user_id == user_id for s, _ in self.statuses.values())

    def presences_of(self, user_id: str) -> list[dict[str, Any]]:
        """The current status presences of a user, one per online socket."""
        return [presence_of(s, status=st) for s, st in self.statuses.values() if s.user_id == user_id]

    # ---- lifecycle --------------------------------------------------------------------------------
    def session_opened(self, session: WsSession) -> None:
        self._follow(session, session.user_id)
        if session.appear_online:
            self.set_status(session, "")

    def session_closed(self, session: WsSession) -> None:
        for user_id in self.follows.pop(session.session_id, set()):
            followers = self.followers.get(user_id)
            if followers is not None:
                followers.pop(session.session_id, None)
                if not followers:
                    del self.followers[user_id]
        self.set_status(session, None)

    # ---- operations -------------------------------------------------------------------------------
    def set_status(self, session: WsSession, status: str | None) -> None:
        """Track (``status`` a string) or untrack (None) the session's status presence, with events."""
        old = self.statuses.pop(session.session_id, None)
        event: dict[str, Any] = {}
        if status is not None:
            self.statuses[session.session_id] = (session, status)
            event["joins"] = [presence_of(session, status=status)]
        if old is not None:
            event["leaves"] = [presence_of(session, status=old[1])]
        if event:
            for follower in list(self.followers.get(session.user_id, {}).values()):
                if not follower.closed:
                    follower.send({"status_presence_event": event})

    def follow(self, session: WsSession, user_ids: list[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for user_id in dict.fromkeys(user_ids):
            if user_id == session.user_id:
                continue
            self._follow(session, user_id)
            out.extend(self.presences_of(user_id))
        return out

    def unfollow(self, session: WsSession, user_ids: list[str]) -> None:
        for user_id in user_ids:
            if user_id == session.user_id:
                continue
            self.follows.get(session.session_id, set()).discard(user_id)
            followers = self.followers.get(user_id)
            if followers is not None:
                followers.pop(session.session_id, None)
                if not followers:
                    del self.followers[user_id]

    def _follow(self, session: WsSession, user_id: str) -> None:
        self.follows.setdefault(session.session_id, set()).add(user_id)
        self.followers.setdefault(user_id, {})[session.session_id] = session

    def user_ids_for(self, usernames: list[str]) -> list[str]:
        """Resolve usernames: connected users first, then the accounts table when it exists."""
        out: list[str] = []
        for name in usernames:
            found = next((s.user_id for s in self.hub.sessions.values() if s.username == name), None)
            if found is None:
                found = _lookup_username(self.hub, name)
            if found is not None:
                out.append(found)
        return out


def _lookup_username(hub: Hub, username: str) -> str | None:
    for sql in ("SELECT id FROM users WHERE username = ?", "SELECT id FROM user WHERE username = ?",
                "SELECT id FROM accounts WHERE username = ?"):
        try:
            row = hub.db.one(sql, (username,))
        except sqlite3.Error:
            continue
        return str(row[0]) if row is not None else None
    return None


def _valid_user_ids(user_ids: list[str]) -> list[str]:
    out = []
    for uid in user_ids:
        try:
            out.append(str(uuid.UUID(uid)))
        except ValueError as exc:
            raise WsFailure(BAD_INPUT, "Invalid user identifier") from exc
    return out


def install(hub: Hub) -> None:
    registry = StatusRegistry(hub)
    hub.status = registry  # type: ignore[attr-defined]
    hub.session_opened_hooks.append(registry.session_opened)
    hub.session_closed_hooks.append(registry.session_closed)

    @hub.ws_handler("status_follow", {"user_ids": "strings", "usernames": "strings"})
    def _follow(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        user_ids = _valid_user_ids(msg.get("user_ids") or [])
        usernames = msg.get("usernames") or []
        if any(not name for name in usernames):
            raise WsFailure(BAD_INPUT, "Invalid username")
        if any("\x00" in name for name in usernames if name != session.username):
            # Nakama looks the names up in Postgres, which refuses a NUL: its runtime error (code 0)
            raise WsFailure(RUNTIME_EXCEPTION, "Could not check users")
        presences = registry.follow(session, user_ids + registry.user_ids_for(usernames))
        return {"status": {"presences": presences} if presences else {}}

    @hub.ws_handler("status_unfollow", {"user_ids": "strings"})
    def _unfollow(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        registry.unfollow(session, _valid_user_ids(msg.get("user_ids") or []))
        return {}

    @hub.ws_handler("status_update", {"status": "StringValue"})
    def _update(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        status = msg.get("status")
        if status is not None and len(status.encode("utf-8")) > MAX_STATUS_BYTES:
            raise WsFailure(BAD_INPUT, "Status must be 2048 characters or less")
        registry.set_status(session, status)
        return {}
