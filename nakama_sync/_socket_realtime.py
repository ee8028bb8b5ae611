"""Socket request methods for matches, chat, status, RPC and ping (a mixin of Socket), and the pushed
events they cause (registered in ``_events`` at import).

Every request has a blocking form that returns the reply's model (``create_match``) and a twin
``*_nowait`` that returns a :class:`SocketFuture` at once. See socket.py for the contract used here.
"""
from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ._events import register_event
from ._future import SocketFuture
from ._wire import json_text
from .models.realtime import (
    Channel,
    ChannelMessage,
    ChannelMessageAck,
    ChannelPresenceEvent,
    Match,
    MatchData,
    MatchPresenceEvent,
    Notification,
    Rpc,
    SocketErrorEvent,
    Status,
    StatusPresenceEvent,
    StreamData,
    StreamPresenceEvent,
    UserPresence,
)

__all__ = ["_RealtimeRequests"]

T = TypeVar("T")


def _notifications(payload: dict[str, Any]) -> list[Notification]:
    return [Notification.from_wire(item) for item in payload.get("notifications") or ()]


def _server_error(payload: dict[str, Any]) -> SocketErrorEvent:
    return SocketErrorEvent(code=int(payload.get("code") or 0), message=str(payload.get("message", "")),
                            context=dict(payload.get("context") or {}), kind="server")


register_event("match_data", "received_match_state", MatchData.from_wire)
register_event("match_presence_event", "received_match_presence", MatchPresenceEvent.from_wire)
register_event("channel_message", "received_channel_message", ChannelMessage.from_wire)
register_event("channel_presence_event", "received_channel_presence", ChannelPresenceEvent.from_wire)
register_event("notifications", "received_notification", _notifications)
register_event("status_presence_event", "received_status_presence", StatusPresenceEvent.from_wire)
register_event("stream_data", "received_stream_state", StreamData.from_wire)
register_event("stream_presence_event", "received_stream_presence", StreamPresenceEvent.from_wire)
register_event("error", "received_error", _server_error)


def _none(payload: Any) -> None:
    return None


def _presence_wire(presence: UserPresence | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(presence, UserPresence):
        return {"user_id": presence.user_id, "session_id": presence.session_id, "username": presence.username}
    return {k: presence[k] for k in ("user_id", "session_id", "username") if k in presence}


def _b64(data: bytes | bytearray | memoryview | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes or str, not {type(data).__name__}")
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _content(content: Mapping[str, Any] | str) -> str:
    if not isinstance(content, (Mapping, str)):
        raise TypeError("content must be a dict (a JSON object) or its JSON text")
    return json_text(dict(content) if isinstance(content, Mapping) else content)


class _RealtimeRequests:
    """Mixin of Socket. Thread: every method may be called from any thread (blocking forms not on the
    reader thread, i.e. not in a handler when ``use_main_thread=False``)."""

    def _request(self, key: str, body: dict[str, Any], parse: Callable[[Any], T] | None = None,
                 reply_key: str | None = None) -> SocketFuture[T]:
        raise NotImplementedError  # implemented by Socket

    def _send(self, key: str, body: dict[str, Any]) -> None:
        raise NotImplementedError  # implemented by Socket

    # ---- matches -------------------------------------------------------------------------------
    def create_match(self, name: str | None = None) -> Match:
        """Create a relayed match (a ``name`` makes its id deterministic: a second create joins it).

        Example: ``match = socket.create_match(); match.match_id``. Any thread (blocks for the reply).
        """
        return self.create_match_nowait(name).result()

    def create_match_nowait(self, name: str | None = None) -> SocketFuture[Match]:
        """Non-blocking :meth:`create_match`. Example: ``fut = socket.create_match_nowait()``. Any thread."""
        return self._request("match_create", {"name": name} if name else {}, Match.from_wire, "match")

    def join_match(self, match_id: str | None = None, token: str | None = None,
                   metadata: Mapping[str, str] | None = None) -> Match:
        """Join a match by id, or by the ``token`` of a matchmaker result (give exactly one).

        Example: ``socket.join_match(matched.match_id or None, token=matched.token)``. Any thread.
        """
        return self.join_match_nowait(match_id, token, metadata).result()

    def join_match_nowait(self, match_id: str | None = None, token: str | None = None,
                          metadata: Mapping[str, str] | None = None) -> SocketFuture[Match]:
        """Non-blocking :meth:`join_match`. Example: ``socket.join_match_nowait(mid)``. Any thread."""
        if bool(match_id) == bool(token):
            raise ValueError("give exactly one of match_id and token")
        body: dict[str, Any] = {"match_id": match_id} if match_id else {"token": token}
        if metadata:
            body["metadata"] = {str(k): str(v) for k, v in metadata.items()}
        return self._request("match_join", body, Match.from_wire, "match")

    def leave_match(self, match_id: str) -> None:
        """Leave a match. Example: ``socket.leave_match(match.match_id)``. Any thread."""
        return self.leave_match_nowait(match_id).result()

    def leave_match_nowait(self, match_id: str) -> SocketFuture[None]:
        """Non-blocking :meth:`leave_match`. Example: ``socket.leave_match_nowait(mid)``. Any thread."""
        return self._request("match_leave", {"match_id": match_id}, _none, None)

    def send_match_state(self, match_id: str, op_code: int, data: bytes | str = b"",
                         presences: Iterable[UserPresence] | None = None, reliable: bool = True) -> None:
        """Send match state to the other players (or only to ``presences``). Fire-and-forget: the server
        never replies; errors arrive later on ``received_error``. ``data`` is bytes or str (UTF-8).

        Example: ``socket.send_match_state(match.match_id, 1, b"xy")``. Any thread.
        Raises ConnectionClosed when not connected, ValueError when the message exceeds 4096 bytes.
        """
        body: dict[str, Any] = {"match_id": match_id, "op_code": str(int(op_code))}
        if data:
            body["data"] = _b64(data)
        if presences:
            body["presences"] = [_presence_wire(p) for p in presences]
        if reliable:
            body["reliable"] = True
        self._send("match_data_send", body)

    # ---- chat ---------------------------------------------------------------------------------
    def join_chat(self, target: str, type: int, persistence: bool = True, hidden: bool = False) -> Channel:
        """Join a chat channel: a room name, a user id (direct message) or a group id.

        ``type`` is a :class:`ChannelType` (1 room, 2 direct message, 3 group).
        Example: ``channel = socket.join_chat("general", ChannelType.ROOM)``. Any thread.
        """
        return self.join_chat_nowait(target, type, persistence, hidden).result()

    def join_chat_nowait(self, target: str, type: int, persistence: bool = True,
                         hidden: bool = False) -> SocketFuture[Channel]:
        """Non-blocking :meth:`join_chat`. Example: ``socket.join_chat_nowait("general", 1)``. Any thread."""
        body = {"target": target, "type": int(type), "persistence": bool(persistence), "hidden": bool(hidden)}
        return self._request("channel_join", body, Channel.from_wire, "channel")

    def leave_chat(self, channel_id: str) -> None:
        """Leave a chat channel. Example: ``socket.leave_chat(channel.id)``. Any thread."""
        return self.leave_chat_nowait(channel_id).result()

    def leave_chat_nowait(self, channel_id: str) -> SocketFuture[None]:
        """Non-blocking :meth:`leave_chat`. Example: ``socket.leave_chat_nowait(channel.id)``. Any thread."""
        return self._request("channel_leave", {"channel_id": channel_id}, _none, None)

    def write_chat_message(self, channel_id: str, content: Mapping[str, Any] | str) -> ChannelMessageAck:
        """Send a chat message; ``content`` must be a JSON object (a dict, or its JSON text).

        Example: ``ack = socket.write_chat_message(channel.id, {"text": "hi"})``. Any thread.
        """
        return self.write_chat_message_nowait(channel_id, content).result()

    def write_chat_message_nowait(self, channel_id: str,
                                  content: Mapping[str, Any] | str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`write_chat_message`. Example: ``socket.write_chat_message_nowait(cid, {})``. Any thread."""
        body = {"channel_id": channel_id, "content": _content(content)}
        return self._request("channel_message_send", body, ChannelMessageAck.from_wire, "channel_message_ack")

    def update_chat_message(self, channel_id: str, message_id: str,
                            content: Mapping[str, Any] | str) -> ChannelMessageAck:
        """Replace the content of one of your messages.

        Example: ``socket.update_chat_message(channel.id, ack.message_id, {"text": "edited"})``. Any thread.
        """
        return self.update_chat_message_nowait(channel_id, message_id, content).result()

    def update_chat_message_nowait(self, channel_id: str, message_id: str,
                                   content: Mapping[str, Any] | str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`update_chat_message`. Example: ``socket.update_chat_message_nowait(c, m, {})``. Any thread."""
        body = {"channel_id": channel_id, "message_id": message_id, "content": _content(content)}
        return self._request("channel_message_update", body, ChannelMessageAck.from_wire, "channel_message_ack")

    def remove_chat_message(self, channel_id: str, message_id: str) -> ChannelMessageAck:
        """Remove one of your messages. Example: ``socket.remove_chat_message(channel.id, ack.message_id)``. Any thread."""
        return self.remove_chat_message_nowait(channel_id, message_id).result()

    def remove_chat_message_nowait(self, channel_id: str, message_id: str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`remove_chat_message`. Example: ``socket.remove_chat_message_nowait(c, m)``. Any thread."""
        body = {"channel_id": channel_id, "message_id": message_id}
        return self._request("channel_message_remove", body, ChannelMessageAck.from_wire, "channel_message_ack")

    # ---- status ---------------------------------------------------------------------------------
    def follow_users(self, user_ids: Iterable[str] | None = None,
                     usernames: Iterable[str] | None = None) -> Status:
        """Follow users' online status; returns the current status presences of those online.

        Example: ``status = socket.follow_users([friend_id])``. Any thread.
        """
        return self.follow_users_nowait(user_ids, usernames).result()

    def follow_users_nowait(self, user_ids: Iterable[str] | None = None,
                            usernames: Iterable[str] | None = None) -> SocketFuture[Status]:
        """Non-blocking :meth:`follow_users`. Example: ``socket.follow_users_nowait([uid])``. Any thread."""
        body: dict[str, Any] = {}
        if user_ids:
            body["user_ids"] = _strings(user_ids, "user_ids")
        if usernames:
            body["usernames"] = _strings(usernames, "usernames")
        return self._request("status_follow", body, Status.from_wire, "status")

    def unfollow_users(self, user_ids: Iterable[str]) -> None:
        """Stop following users' status. Example: ``socket.unfollow_users([friend_id])``. Any thread."""
        return self.unfollow_users_nowait(user_ids).result()

    def unfollow_users_nowait(self, user_ids: Iterable[str]) -> SocketFuture[None]:
        """Non-blocking :meth:`unfollow_users`. Example: ``socket.unfollow_users_nowait([uid])``. Any thread."""
        return self._request("status_unfollow", {"user_ids": _strings(user_ids, "user_ids")}, _none, None)

    def update_status(self, status: str | None = None) -> None:
        """Set your status text (``""`` is online with no text); ``None`` appears offline.

        Example: ``socket.update_status("in a match")``. Any thread.
        """
        return self.update_status_nowait(status).result()

    def update_status_nowait(self, status: str | None = None) -> SocketFuture[None]:
        """Non-blocking :meth:`update_status`. Example: ``socket.update_status_nowait("away")``. Any thread."""
        return self._request("status_update", {} if status is None else {"status": status}, _none, None)

    # ---- rpc and ping -----------------------------------------------------------------------------
    def rpc(self, id: str, payload: str | Mapping[str, Any] | list[Any] | None = None) -> Rpc:
        """Call a server function; ``payload`` is text, or a dict/list sent as JSON text.

        Example: ``reply = socket.rpc("echo", {"a": 1}); json.loads(reply.payload)``. Any thread.
        """
        return self.rpc_nowait(id, payload).result()

    def rpc_nowait(self, id: str, payload: str | Mapping[str, Any] | list[Any] | None = None
                   ) -> SocketFuture[Rpc]:
        """Non-blocking :meth:`rpc`. Example: ``socket.rpc_nowait("echo", "hi")``. Any thread."""
        body: dict[str, Any] = {"id": id}
        if payload is not None:
            body["payload"] = json_text(dict(payload) if isinstance(payload, Mapping) else payload)
        return self._request("rpc", body, Rpc.from_wire, "rpc")

    def ping(self) -> None:
        """Round-trip a ``ping`` to the server (raises if no ``pong`` in time).

        Example: ``socket.ping()``. Any thread.
        """
        return self.ping_nowait().result()

    def ping_nowait(self) -> SocketFuture[None]:
        """Non-blocking :meth:`ping`. Example: ``socket.ping_nowait().add_done_callback(print)``. Any thread."""
        return self._request("ping", {}, _none, None)


def _strings(values: Iterable[str], what: str) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"{what} must be a list of strings, not a string")
    items = list(values)
    if not all(isinstance(v, str) for v in items):
        raise TypeError(f"{what} must be a list of strings")
    return items
