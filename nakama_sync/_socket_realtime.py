"""Socket request methods for matches, chat, status, RPC and ping: ``_RealtimeRequests``, a base of
:class:`Socket` built on :class:`~nakama_sync._socket_requests.RequestMethods` (its contract).

Every request has a blocking form that returns the reply's model (``create_match``) and a twin
``*_nowait`` that returns a :class:`SocketFuture` at once. Arguments are checked first. The pushed events
(``received_match_state`` ...) are routed by ``_socket_codec.EVENTS``.
"""
from __future__ import annotations

import binascii
import builtins
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from ._future import SocketFuture
from ._socket_args import _presence, _text
from ._socket_requests import RequestMethods
from ._wire import json_text
from .exceptions import InvalidArgument, InvalidArgumentType
from .models.realtime import (
    Channel,
    ChannelMessageAck,
    ChannelType,
    Match,
    Rpc,
    Status,
    UserPresence,
)

__all__ = ["_RealtimeRequests"]

T = TypeVar("T")


def _presences(value: Any) -> list[dict[str, str]]:
    if isinstance(value, (str, bytes, Mapping, UserPresence)) or not isinstance(value, Iterable):
        raise InvalidArgumentType(f"presences must be a list of UserPresence, not {type(value).__name__}")
    return [_presence(p) for p in value]


def _channel_type(value: Any) -> int:
    """``join_chat``'s ``type``: a ChannelType or its int (1, 2, 3), as the wire's int."""
    kinds = "ChannelType.ROOM (1), ChannelType.DIRECT_MESSAGE (2) or ChannelType.GROUP (3)"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"type must be {kinds}, not {value!r}")
    if value not in (1, 2, 3):
        raise InvalidArgument(f"type must be {kinds}, not {value!r}")
    return int(value)


def _opt_text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidArgumentType(f"{name} must be a str or None, not {type(value).__name__}")
    return value


def _int64(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentType(f"{name} must be an int, not {type(value).__name__}")
    if not -2**63 <= value < 2**63:
        raise InvalidArgument(f"{name} must fit in 64 bits")
    return value


def _b64(data: bytes | bytearray | memoryview | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgumentType(f"data must be bytes or str, not {type(data).__name__}")
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _content(content: Mapping[str, Any] | str) -> str:
    if not isinstance(content, (Mapping, str)):
        raise InvalidArgumentType("content must be a dict (a JSON object) or its JSON text")
    return json_text(dict(content) if isinstance(content, Mapping) else content)


class _RealtimeRequests(RequestMethods):
    """Match, chat, status, RPC and ping requests of :class:`Socket`. Arguments are checked before anything
    is sent (``TypeError``/``ValueError`` naming the argument): the server closes the socket on a malformed
    message instead of answering it. Thread: every method may be called from any thread (blocking forms not
    on the reader thread, i.e. not in a handler when ``use_main_thread=False``)."""

    # ---- matches -------------------------------------------------------------------------------
    def create_match(self, name: str | None = None) -> Match:
        """Create a relayed match (a ``name`` makes its id deterministic: a second create joins it).

        Example: ``match = socket.create_match(); match.match_id``. Any thread (blocks for the reply).
        """
        return self.create_match_nowait(name).result()

    def create_match_nowait(self, name: str | None = None) -> SocketFuture[Match]:
        """Non-blocking :meth:`create_match`. Example: ``fut = socket.create_match_nowait()``. Any thread."""
        name = _opt_text("name", name)
        return self._request("match_create", {"name": name} if name else {}, Match, "match")

    def join_match(self, match_id: str | None = None, token: str | None = None,
                   metadata: Mapping[str, str] | None = None) -> Match:
        """Join a match by id, or by the ``token`` of a matchmaker result (give exactly one).

        Example: ``socket.join_match(matched.match_id or None, token=matched.token)``. Any thread.
        """
        return self.join_match_nowait(match_id, token, metadata).result()

    def join_match_nowait(self, match_id: str | None = None, token: str | None = None,
                          metadata: Mapping[str, str] | None = None) -> SocketFuture[Match]:
        """Non-blocking :meth:`join_match`. Example: ``socket.join_match_nowait(mid)``. Any thread."""
        match_id = _opt_text("match_id", match_id)
        token = _opt_text("token", token)
        if bool(match_id) == bool(token):
            raise InvalidArgument("give exactly one of match_id and token")
        body: dict[str, Any] = {"match_id": match_id} if match_id else {"token": token}
        if metadata:
            if not isinstance(metadata, Mapping):
                raise InvalidArgumentType(f"metadata must be a dict of str to str, not {type(metadata).__name__}")
            body["metadata"] = {str(k): str(v) for k, v in metadata.items()}
        return self._request("match_join", body, Match, "match")

    def leave_match(self, match_id: str) -> None:
        """Leave a match. Example: ``socket.leave_match(match.match_id)``. Any thread."""
        return self.leave_match_nowait(match_id).result()

    def leave_match_nowait(self, match_id: str) -> SocketFuture[None]:
        """Non-blocking :meth:`leave_match`. Example: ``socket.leave_match_nowait(mid)``. Any thread."""
        return self._request("match_leave", {"match_id": _text("match_id", match_id)}, None, None)

    def send_match_state(self, match_id: str, op_code: int, data: bytes | str = b"",
                         presences: Iterable[UserPresence] | None = None, reliable: bool = True) -> None:
        """Send match state to the other players (or only to ``presences``). Fire-and-forget: the server
        never replies; errors arrive later on ``received_error``. ``data`` is bytes or str (UTF-8).

        Example: ``socket.send_match_state(match.match_id, 1, b"xy")``. Any thread.
        Raises ConnectionClosed when not connected, ValueError when the message exceeds 4096 bytes.
        """
        body: dict[str, Any] = {"match_id": _text("match_id", match_id), "op_code": str(_int64("op_code", op_code))}
        encoded = _b64(data)
        if encoded:
            body["data"] = encoded
        if presences is not None:
            wire = _presences(presences)
            if wire:
                body["presences"] = wire
        if not isinstance(reliable, bool):
            raise InvalidArgumentType(f"reliable must be a bool, not {type(reliable).__name__}")
        if reliable:
            body["reliable"] = True
        self._send("match_data_send", body)

    # ---- chat ---------------------------------------------------------------------------------
    def join_chat(self, target: str, type: ChannelType | int = ChannelType.ROOM, persistence: bool = True,
                  hidden: bool = False) -> Channel:
        """Join a chat channel: a room name, a user id (direct message) or a group id.

        ``type`` is a :class:`ChannelType` or its int: ``ROOM`` (1, the default), ``DIRECT_MESSAGE`` (2),
        ``GROUP`` (3); anything else raises :class:`InvalidArgument` (a ``ValueError``; a wrong type also
        a ``TypeError``) naming ``type``, before anything is sent. ``persistence`` keeps the messages in
        the channel's history; ``hidden`` joins without a presence event to the others.
        Blocks until the reply, at most the socket's ``request_timeout`` (then :class:`RequestTimeout`).
        Example: ``channel = socket.join_chat("general")``. Any thread.
        """
        return self.join_chat_nowait(target, type, persistence, hidden).result()

    def join_chat_nowait(self, target: str, type: ChannelType | int = ChannelType.ROOM, persistence: bool = True,
                         hidden: bool = False) -> SocketFuture[Channel]:
        """Non-blocking :meth:`join_chat`. Example: ``socket.join_chat_nowait("general")``. Any thread."""
        if not isinstance(persistence, bool) or not isinstance(hidden, bool):
            raise InvalidArgumentType("persistence and hidden must be bools")
        body = {"target": _text("target", target), "type": _channel_type(type), "persistence": persistence,
                "hidden": hidden}
        return self._request("channel_join", body, Channel, "channel")

    def leave_chat(self, channel_id: str) -> None:
        """Leave a chat channel. Example: ``socket.leave_chat(channel.id)``. Any thread."""
        return self.leave_chat_nowait(channel_id).result()

    def leave_chat_nowait(self, channel_id: str) -> SocketFuture[None]:
        """Non-blocking :meth:`leave_chat`. Example: ``socket.leave_chat_nowait(channel.id)``. Any thread."""
        return self._request("channel_leave", {"channel_id": _text("channel_id", channel_id)}, None, None)

    def write_chat_message(self, channel_id: str, content: Mapping[str, Any] | str) -> ChannelMessageAck:
        """Send a chat message; ``content`` must be a JSON object (a dict, or its JSON text).

        Example: ``ack = socket.write_chat_message(channel.id, {"text": "hi"})``. Any thread.
        """
        return self.write_chat_message_nowait(channel_id, content).result()

    def write_chat_message_nowait(self, channel_id: str,
                                  content: Mapping[str, Any] | str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`write_chat_message`. Example: ``socket.write_chat_message_nowait(cid, {})``. Any thread."""
        body = {"channel_id": _text("channel_id", channel_id), "content": _content(content)}
        return self._request("channel_message_send", body, ChannelMessageAck, "channel_message_ack")

    def update_chat_message(self, channel_id: str, message_id: str,
                            content: Mapping[str, Any] | str) -> ChannelMessageAck:
        """Replace the content of one of your messages.

        Example: ``socket.update_chat_message(channel.id, ack.message_id, {"text": "edited"})``. Any thread.
        """
        return self.update_chat_message_nowait(channel_id, message_id, content).result()

    def update_chat_message_nowait(self, channel_id: str, message_id: str,
                                   content: Mapping[str, Any] | str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`update_chat_message`. Example: ``socket.update_chat_message_nowait(c, m, {})``. Any thread."""
        body = {"channel_id": _text("channel_id", channel_id), "message_id": _text("message_id", message_id),
                "content": _content(content)}
        return self._request("channel_message_update", body, ChannelMessageAck, "channel_message_ack")

    def remove_chat_message(self, channel_id: str, message_id: str) -> ChannelMessageAck:
        """Remove one of your messages. Example: ``socket.remove_chat_message(channel.id, ack.message_id)``. Any thread."""
        return self.remove_chat_message_nowait(channel_id, message_id).result()

    def remove_chat_message_nowait(self, channel_id: str, message_id: str) -> SocketFuture[ChannelMessageAck]:
        """Non-blocking :meth:`remove_chat_message`. Example: ``socket.remove_chat_message_nowait(c, m)``. Any thread."""
        body = {"channel_id": _text("channel_id", channel_id), "message_id": _text("message_id", message_id)}
        return self._request("channel_message_remove", body, ChannelMessageAck, "channel_message_ack")

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
        return self._request("status_follow", body, Status, "status")

    def unfollow_users(self, user_ids: Iterable[str]) -> None:
        """Stop following users' status. Example: ``socket.unfollow_users([friend_id])``. Any thread."""
        return self.unfollow_users_nowait(user_ids).result()

    def unfollow_users_nowait(self, user_ids: Iterable[str]) -> SocketFuture[None]:
        """Non-blocking :meth:`unfollow_users`. Example: ``socket.unfollow_users_nowait([uid])``. Any thread."""
        return self._request("status_unfollow", {"user_ids": _strings(user_ids, "user_ids")}, None, None)

    def update_status(self, status: str | None = None) -> None:
        """Set your status text (``""`` is online with no text); ``None`` appears offline.

        Example: ``socket.update_status("in a match")``. Any thread.
        """
        return self.update_status_nowait(status).result()

    def update_status_nowait(self, status: str | None = None) -> SocketFuture[None]:
        """Non-blocking :meth:`update_status`. Example: ``socket.update_status_nowait("away")``. Any thread."""
        status = _opt_text("status", status)
        return self._request("status_update", {} if status is None else {"status": status}, None, None)

    # ---- rpc and ping -----------------------------------------------------------------------------
    def rpc(self, id: str, payload: str | Mapping[str, Any] | list[Any] | None = None) -> Rpc:
        """Call a server function; ``payload`` is text, or a dict/list sent as JSON text.

        Example: ``reply = socket.rpc("echo", {"a": 1}); json.loads(reply.payload)``. Any thread.
        """
        return self.rpc_nowait(id, payload).result()

    def rpc_nowait(self, id: str, payload: str | Mapping[str, Any] | list[Any] | None = None
                   ) -> SocketFuture[Rpc]:
        """Non-blocking :meth:`rpc`. Example: ``socket.rpc_nowait("echo", "hi")``. Any thread."""
        body: dict[str, Any] = {"id": _text("id", id)}
        if payload is not None:
            if not isinstance(payload, (str, Mapping, list)):
                raise InvalidArgumentType(f"payload must be a str, a dict or a list, not {builtins.type(payload).__name__}")
            body["payload"] = json_text(dict(payload) if isinstance(payload, Mapping) else payload)
        return self._request("rpc", body, Rpc, "rpc")

    def ping(self) -> None:
        """Round-trip a ``ping`` to the server (raises if no ``pong`` in time).

        Example: ``socket.ping()``. Any thread.
        """
        return self.ping_nowait().result()

    def ping_nowait(self) -> SocketFuture[None]:
        """Non-blocking :meth:`ping`. Example: ``socket.ping_nowait().add_done_callback(print)``. Any thread."""
        return self._request("ping", {}, None, None)


def _strings(values: Iterable[str], what: str) -> list[str]:
    if isinstance(values, str):
        raise InvalidArgumentType(f"{what} must be a list of strings, not a string")
    items = list(values)
    if not all(isinstance(v, str) for v in items):
        raise InvalidArgumentType(f"{what} must be a list of strings")
    return items
