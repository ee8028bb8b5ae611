"""Chat on the dev server: rooms, direct messages, group channels (see
https://heroiclabs.com/docs/nakama/concepts/chat/).

Channel ids are ``"<mode>.<subject>.<subcontext>.<label>"``: rooms ``2...<name>``, groups ``3.<group_id>..``,
DMs ``4.<lower user id>.<higher user id>.``. Messages a presence sends are saved in SQLite (component
``chat``) when it joined with persistence (absent counts as true); the HTTP history lives in
``_rt_chat_history.py``.

Other modules use ``hub.chat`` (loop thread only):

- ``hub.chat.post_system_message(group_id, code, sender_id, username) -> dict``: save a group system
  message (code 3 join, 4 add, 5 leave, 6 kick, 7 promote, 8 ban, 9 demote; content ``{}``) in the
  group's channel and push it to the channel's members, as Nakama's core_group.go does. Returns the
  wire ``channel_message``. Example: ``hub.chat.post_system_message(gid, 3, user_id, username)``
- Group membership is checked with ``getattr(hub, "groups", None).is_member(group_id, user_id)``.
"""
from __future__ import annotations

import json
import sqlite3
import time
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any

from ._presence_batch import PresenceBatcher
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["ChannelRef", "ChannelRegistry", "format_ts", "install", "jsonb_text", "parse_channel_id"]

BAD_INPUT = 3
ROOM, DM, GROUP = 2, 4, 3          # stream modes, the first part of a channel id
_KEY = "channels"                  # WsSession.data key: set of channel ids the session is in

MIGRATIONS = [
    """
    CREATE TABLE message (
        id TEXT PRIMARY KEY,
        channel_id TEXT NOT NULL,
        code INTEGER NOT NULL DEFAULT 0,
        sender_id TEXT NOT NULL,
        username TEXT NOT NULL,
        content TEXT NOT NULL DEFAULT '{}',
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL
    );
    CREATE INDEX message_channel_time ON message (channel_id, create_time, id)
    """,
]


# ---- wire helpers ------------------------------------------------------------------------------
def format_ts(ns: int) -> str:
    """RFC 3339 UTC as protojson writes it: 0, 3, 6 or 9 fractional digits."""
    secs, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    if frac == 0:
        return base + "Z"
    if frac % 1_000_000 == 0:
        return f"{base}.{frac // 1_000_000:03d}Z"
    if frac % 1_000 == 0:
        return f"{base}.{frac // 1_000:06d}Z"
    return f"{base}.{frac:09d}Z"


def jsonb_text(text: str) -> str:
    """JSON text re-serialized the way Postgres jsonb prints it: ``{"a": 1, "bb": [1, 2]}``."""
    def norm(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: norm(v[k]) for k in sorted(v, key=lambda k: (len(k.encode()), k.encode()))}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v
    try:
        return json.dumps(norm(json.loads(text)), ensure_ascii=False)
    except ValueError:
        return text


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _uuid_or_none(text: str) -> str | None:
    try:
        return str(uuid.UUID(text))
    except (ValueError, TypeError, AttributeError):
        return None


class ChannelRef:
    """A parsed channel id and its type-specific wire fields."""

    def __init__(self, mode: int, subject: str = "", subcontext: str = "", label: str = "") -> None:
        self.mode = mode
        self.subject = subject
        self.subcontext = subcontext
        self.label = label
        self.id = f"{mode}.{subject}.{subcontext}.{label}"

    def fields(self) -> dict[str, str]:
        """``room_name`` / ``group_id`` / ``user_id_one`` + ``user_id_two``."""
        if self.mode == ROOM:
            return {"room_name": self.label}
        if self.mode == GROUP:
            return {"group_id": self.subject}
        return {"user_id_one": self.subject, "user_id_two": self.subcontext}


def parse_channel_id(channel_id: str) -> ChannelRef | None:
    """The channel of a ``"<mode>.<subject>.<subcontext>.<label>"`` id, or None when malformed."""
    parts = channel_id.split(".")
    if len(parts) != 4:
        return None
    mode, subject, subcontext, label = parts
    if mode == str(ROOM) and not subject and not subcontext and label:
        return ChannelRef(ROOM, label=label)
    if mode == str(GROUP) and not subcontext and not label:
        gid = _uuid_or_none(subject)
        return ChannelRef(GROUP, gid) if gid else None
    if mode == str(DM) and not label:
        one, two = _uuid_or_none(subject), _uuid_or_none(subcontext)
        return ChannelRef(DM, one, two) if one and two else None
    return None


class _Member:
    __slots__ = ("hidden", "persistence", "session")

    def __init__(self, session: WsSession, persistence: bool, hidden: bool) -> None:
        self.session = session
        self.persistence = persistence
        self.hidden = hidden

    def presence(self) -> dict[str, Any]:
        return presence_of(self.session, **({"persistence": True} if self.persistence else {}))


class ChannelRegistry:
    """Channel members and messages. Loop thread only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.channels: dict[str, dict[str, _Member]] = {}   # channel id -> session id -> member
        self.refs: dict[str, ChannelRef] = {}
        self._presence: PresenceBatcher[str] = PresenceBatcher(self._send_presence_event)

    # ---- membership --------------------------------------------------------------------------
    def join(self, session: WsSession, target: str, ctype: int, persistence: bool, hidden: bool
             ) -> dict[str, Any]:
        ref = self._ref_for_join(session, target, ctype)
        members = self.channels.setdefault(ref.id, {})
        self.refs[ref.id] = ref
        member = _Member(session, persistence, hidden)
        rejoin = session.session_id in members
        members[session.session_id] = member
        session.data.setdefault(_KEY, set()).add(ref.id)
        others = [m.presence() for sid, m in members.items() if not m.hidden and sid != session.session_id]
        if rejoin and not hidden:
            others.append(member.presence())
        if not rejoin:
            if not hidden:
                self._presence.add(ref.id, join=member.presence())
            if ref.mode == DM:
                self._dm_request(session, ref)
        body: dict[str, Any] = {"id": ref.id}
        if others:
            body["presences"] = others
        body["self"] = member.presence()
        body.update(ref.fields())
        return body

    def _ref_for_join(self, session: WsSession, target: str, ctype: int) -> ChannelRef:
        if ctype not in (0, 1, 2, 3):
            raise WsFailure(BAD_INPUT, "Invalid channel type")
        if not target:
            raise WsFailure(BAD_INPUT, "Invalid channel target")
        if ctype in (0, 1):
            if (len(target) > 64 or any(unicodedata.category(ch) == "Cc" for ch in target)):
                raise WsFailure(BAD_INPUT, "Channel name is required and must be 1-64 chars: Invalid channel target")
            return ChannelRef(ROOM, label=target)
        if ctype == 2:
            other = _uuid_or_none(target)
            if other is None:
                raise WsFailure(BAD_INPUT, "Invalid user ID in direct message join: Invalid channel target")
            if not _user_exists(self.hub, other):
                raise WsFailure(BAD_INPUT, f"User ID not found: {other}: Invalid channel target")
            one, two = sorted((session.user_id, other))
            return ChannelRef(DM, one, two)
        gid = _uuid_or_none(target)
        if gid is None:
            raise WsFailure(BAD_INPUT, "Invalid group ID in group join: Invalid channel target")
        if not self.is_group_member(gid, session.user_id):
            raise WsFailure(BAD_INPUT, "Group not found: Invalid channel target")
        return ChannelRef(GROUP, gid)

    def is_group_member(self, group_id: str, user_id: str) -> bool:
        groups = getattr(self.hub, "groups", None)
        return bool(groups is not None and groups.is_member(group_id, user_id))

    def _dm_request(self, session: WsSession, ref: ChannelRef) -> None:
        other = ref.subcontext if ref.subject == session.user_id else ref.subject
        if other == session.user_id:
            return
        if any(m.session.user_id == other for m in self.channels.get(ref.id, {}).values()):
            return
        notify = getattr(self.hub, "notify", None)
        if notify is not None:
            notify(other, f"{session.username} wants to chat", {"username": session.username}, -1,
                   session.user_id, True)

    def leave(self, session: WsSession, channel_id: str) -> None:
        ref = parse_channel_id(channel_id)
        if ref is None:
            raise WsFailure(BAD_INPUT, "Invalid channel identifier")
        self._remove(session, ref.id)

    def _remove(self, session: WsSession, channel_id: str) -> None:
        members = self.channels.get(channel_id)
        session.data.get(_KEY, set()).discard(channel_id)
        if members is None or session.session_id not in members:
            return
        member = members.pop(session.session_id)
        if not members:
            del self.channels[channel_id]
        if not member.hidden:
            self._presence.add(channel_id, leave=member.presence())

    def session_closed(self, session: WsSession) -> None:
        for channel_id in list(session.data.get(_KEY, ())):
            self._remove(session, channel_id)

    def _send_presence_event(self, channel_id: str, joins: list[dict[str, Any]],
                             leaves: list[dict[str, Any]]) -> None:
        ref = self.refs.get(channel_id) or parse_channel_id(channel_id)
        if ref is None:
            return
        event: dict[str, Any] = {"channel_id": channel_id}
        if joins:
            event["joins"] = joins
        if leaves:
            event["leaves"] = leaves
        event.update(ref.fields())
        for member in list(self.channels.get(channel_id, {}).values()):
            member.session.send({"channel_presence_event": event})

    # ---- messages -----------------------------------------------------------------------------
    def _member(self, session: WsSession, channel_id: str, verb: str) -> tuple[ChannelRef, _Member]:
        ref = parse_channel_id(channel_id)
        if ref is None:
            raise WsFailure(BAD_INPUT, "Invalid channel identifier")
        return ref, self._require_member(session, ref, verb)

    def _require_member(self, session: WsSession, ref: ChannelRef, verb: str) -> _Member:
        member = self.channels.get(ref.id, {}).get(session.session_id)
        if member is None:
            raise WsFailure(BAD_INPUT, f"Must join channel before {verb} messages")
        return member

    def send(self, session: WsSession, channel_id: str, content: str) -> dict[str, Any]:
        ref = parse_channel_id(channel_id)
        if ref is None:
            raise WsFailure(BAD_INPUT, "Invalid channel identifier")
        if not _is_json_object(content):
            raise WsFailure(BAD_INPUT, "Message content must be a valid JSON object")
        member = self._require_member(session, ref, "sending")
        now = time.time_ns()
        msg = {"message_id": str(uuid.uuid4()), "code": 0, "sender_id": session.user_id,
               "username": session.username, "content": content, "create": now, "update": now}
        if member.persistence:
            self._insert(ref.id, msg, now // 1000 * 1000)
        return self._deliver(ref, msg, member.persistence)

    def update(self, session: WsSession, channel_id: str, message_id: str, content: str) -> dict[str, Any]:
        ref = parse_channel_id(channel_id)
        if ref is None:
            raise WsFailure(BAD_INPUT, "Invalid channel identifier")
        mid = _uuid_or_none(message_id)
        if mid is None:
            raise WsFailure(BAD_INPUT, "Invalid message identifier")
        if not _is_json_object(content):
            raise WsFailure(BAD_INPUT, "Message content must be a valid JSON object")
        member = self._require_member(session, ref, "updating")
        now = time.time_ns()
        msg = {"message_id": mid, "code": 1, "sender_id": session.user_id, "username": session.username,
               "content": content, "create": now, "update": now}
        if member.persistence:
            row = self._own_row(ref.id, mid, session.user_id)
            if row is None:
                raise WsFailure(BAD_INPUT, "Could not find message to update in channel history")
            self.hub.db.execute("UPDATE message SET content = ?, update_time = ? WHERE id = ?",
                                (content, now // 1000 * 1000, mid))
            msg["create"] = row["create_time"]
        return self._deliver(ref, msg, member.persistence)

    def remove(self, session: WsSession, channel_id: str, message_id: str) -> dict[str, Any]:
        ref = parse_channel_id(channel_id)
        if ref is None:
            raise WsFailure(BAD_INPUT, "Invalid channel identifier")
        mid = _uuid_or_none(message_id)
        if mid is None:
            raise WsFailure(BAD_INPUT, "Invalid message identifier")
        member = self._require_member(session, ref, "removing")
        now = time.time_ns()
        msg = {"message_id": mid, "code": 2, "sender_id": session.user_id, "username": session.username,
               "content": "{}", "create": now, "update": now}
        if member.persistence:
            row = self._own_row(ref.id, mid, session.user_id)
            if row is None:
                raise WsFailure(BAD_INPUT, "Could not find message to remove in channel history")
            self.hub.db.execute("DELETE FROM message WHERE id = ?", (mid,))
            msg["create"], msg["update"] = row["create_time"], row["update_time"]
        return self._deliver(ref, msg, member.persistence)

    def post_system_message(self, group_id: str, code: int, sender_id: str, username: str) -> dict[str, Any]:
        """Save and push a group system message (codes 3-9, content ``{}``); see the module docstring."""
        ref = ChannelRef(GROUP, str(uuid.UUID(group_id)))
        now = time.time_ns()
        msg = {"message_id": str(uuid.uuid4()), "code": code, "sender_id": sender_id, "username": username,
               "content": "{}", "create": now, "update": now}
        self._insert(ref.id, msg, now // 1_000_000_000 * 1_000_000_000)
        wire = self._wire(ref, msg, True)
        for member in list(self.channels.get(ref.id, {}).values()):
            member.session.send({"channel_message": wire})
        return wire

    def _own_row(self, channel_id: str, message_id: str, sender_id: str) -> sqlite3.Row | None:
        return self.hub.db.one("SELECT create_time, update_time FROM message WHERE id = ? AND channel_id = ?"
                               " AND sender_id = ?", (message_id, channel_id, sender_id))

    def _insert(self, channel_id: str, msg: dict[str, Any], stored_ns: int) -> None:
        self.hub.db.execute(
            "INSERT INTO message (id, channel_id, code, sender_id, username, content, create_time, update_time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (msg["message_id"], channel_id, msg["code"], msg["sender_id"], msg["username"], msg["content"],
             stored_ns, stored_ns))

    def _wire(self, ref: ChannelRef, msg: dict[str, Any], persistent: bool) -> dict[str, Any]:
        body = {"channel_id": ref.id, "message_id": msg["message_id"], "code": msg["code"],
                "sender_id": msg["sender_id"], "username": msg["username"], "content": msg["content"],
                "create_time": format_ts(msg["create"]), "update_time": format_ts(msg["update"]),
                "persistent": persistent}
        body.update(ref.fields())
        return body

    def _deliver(self, ref: ChannelRef, msg: dict[str, Any], persistent: bool) -> dict[str, Any]:
        """Push ``channel_message`` to every member (the sender's before its ack); return the ack body."""
        wire = self._wire(ref, msg, persistent)
        for member in list(self.channels.get(ref.id, {}).values()):
            member.session.send({"channel_message": wire})
        ack = {k: v for k, v in wire.items() if k not in ("sender_id", "content")}
        return {"channel_message_ack": ack}


def _user_exists(hub: Hub, user_id: str) -> bool:
    """Whether an account exists; True when the accounts table is not known (tokens minted in tests)."""
    if hub.sessions_by_user.get(user_id):
        return True
    for sql in ("SELECT 1 FROM users WHERE id = ?", "SELECT 1 FROM user WHERE id = ?",
                "SELECT 1 FROM accounts WHERE id = ?"):
        try:
            return hub.db.one(sql, (user_id,)) is not None
        except sqlite3.Error:
            continue
    return True


def install(hub: Hub) -> None:
    hub.db.register("chat", MIGRATIONS)
    registry = ChannelRegistry(hub)
    hub.chat = registry  # type: ignore[attr-defined]
    hub.session_closed_hooks.append(registry.session_closed)

    @hub.ws_handler("channel_join", {"target": "string", "type": "int32", "persistence": "BoolValue",
                                     "hidden": "BoolValue"})
    def _join(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        persistence = msg.get("persistence")
        return {"channel": registry.join(session, msg.get("target", ""), msg.get("type", 0),
                                         True if persistence is None else persistence,
                                         bool(msg.get("hidden", False)))}

    @hub.ws_handler("channel_leave", {"channel_id": "string"})
    def _leave(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        registry.leave(session, msg.get("channel_id", ""))
        return {}

    @hub.ws_handler("channel_message_send", {"channel_id": "string", "content": "string"})
    def _send(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        return registry.send(session, msg.get("channel_id", ""), msg.get("content", ""))

    @hub.ws_handler("channel_message_update", {"channel_id": "string", "message_id": "string",
                                               "content": "string"})
    def _update(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        return registry.update(session, msg.get("channel_id", ""), msg.get("message_id", ""),
                               msg.get("content", ""))

    @hub.ws_handler("channel_message_remove", {"channel_id": "string", "message_id": "string"})
    def _remove(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        return registry.remove(session, msg.get("channel_id", ""), msg.get("message_id", ""))

    from ._rt_chat_history import install_history
    install_history(hub)
