"""The socket's codec: envelope → model, request → frame, in one place (the envelopes are the messages of
``rtapi/realtime.proto`` in github.com/heroiclabs/nakama-common, sent as protojson text frames).

- The strict model readers come from ``_decode`` (shared with the HTTP client): a payload that is
  ``null`` or not an object, a field of the wrong type or a reply without its required fields raises
  :class:`DecodeError` instead of becoming a made-up value. ``match_data`` and ``user_presence``, the
  per-frame hot path, have hand-written readers here, as strict, registered in place of the built ones.
- :data:`EVENTS` routes each pushed envelope key to a signal name (see ``_events.SIGNALS``) and its decoder.
- :func:`reply_decoder` reads the reply to one request; :func:`error_from_wire` an ``error`` envelope.
- :func:`encode` turns an envelope into the bytes of one text frame, checking the size the server accepts.
- :func:`too_costly` bounds what one frame may cost once decoded (many tiny objects blow up in memory).

Thread safety: pure functions and tables filled at import; any thread.
"""
from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

from . import _wire
from ._decode import DecodeError, b64, decoder, register, strict_b64
from ._decode import build as _build
from ._decode import int64 as _int
from ._decode import kind as _kind
from .exceptions import InvalidArgument, SocketError
from .models.party import (
    MatchmakerMatched,
    MatchmakerTicket,
    Party,
    PartyClose,
    PartyData,
    PartyJoinRequest,
    PartyLeader,
    PartyMatchmakerTicket,
    PartyPresenceEvent,
    PartyUpdate,
)
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
    StatusPresenceEvent,
    StreamData,
    StreamPresenceEvent,
    UserPresence,
)

__all__ = ["EVENTS", "DecodeError", "decoder", "encode", "error_from_wire", "reply_decoder", "too_costly"]

Decoder = Callable[[Any], Any]


# ---- hot path: hand-written strict readers (the reader thread calls them thousands of times a second) --
_new = object.__new__
_set_up = [UserPresence.__dict__[n].__set__ for n in ("user_id", "session_id", "username", "persistence", "status")]
_set_md = [MatchData.__dict__[n].__set__ for n in ("match_id", "presence", "op_code", "data", "reliable")]


def user_presence(p: Any) -> UserPresence:
    """Strict :class:`UserPresence` reader. Example: ``user_presence({"user_id": "u"})``. Any thread."""
    if type(p) is not dict:
        raise DecodeError(f"UserPresence: expected an object, got {_kind(p)}")
    get = p.get
    user_id = get("user_id") or ""
    session_id = get("session_id") or ""
    username = get("username") or ""
    persistence = get("persistence") or False
    status = get("status")
    if (type(user_id) is not str or type(session_id) is not str or type(username) is not str
            or type(persistence) is not bool or (status is not None and type(status) is not str)):
        return _explain_presence(p)  # type: ignore[no-any-return]  # raises, saying which field is wrong
    obj = _new(UserPresence)
    up = _set_up
    up[0](obj, user_id)
    up[1](obj, session_id)
    up[2](obj, username)
    up[3](obj, persistence)
    up[4](obj, status)
    return obj


def match_data(p: Any) -> MatchData:
    """Strict :class:`MatchData` reader. Example: ``match_data({"match_id": "m.", "op_code": "1"})``."""
    if type(p) is not dict:
        raise DecodeError(f"MatchData: expected an object, got {_kind(p)}")
    get = p.get
    match_id = get("match_id")
    if type(match_id) is not str or not match_id:
        raise DecodeError(f"MatchData.match_id: expected a non-empty string, got {_kind(match_id)}")
    op_code = get("op_code", 0)
    if type(op_code) is str and len(op_code) < 19 and op_code.isdigit() and op_code.isascii():
        op_code = int(op_code)
    else:
        try:
            op_code = _int(op_code)
        except DecodeError as exc:
            raise DecodeError(f"MatchData.op_code: {exc}") from None
    data = get("data")
    if data is None:
        data = b""
    else:
        if type(data) is not str:
            raise DecodeError(f"MatchData.data: expected base64 text, got {_kind(data)}")
        try:
            data = strict_b64(data)
        except (binascii.Error, ValueError):
            data = b64(p["data"])
    reliable = get("reliable", False)
    if type(reliable) is not bool:
        raise DecodeError(f"MatchData.reliable: expected true/false, got {_kind(reliable)}")
    presence = get("presence")
    if presence is not None:
        presence = user_presence(presence)
    obj = _new(MatchData)
    md = _set_md
    md[0](obj, match_id)
    md[1](obj, presence)
    md[2](obj, op_code)
    md[3](obj, data)
    md[4](obj, reliable)
    return obj


_explain_presence = _build(UserPresence, ())
register(UserPresence, user_presence)
register(MatchData, match_data)


def _notifications(payload: Any) -> list[Notification]:
    if type(payload) is not dict:
        raise DecodeError(f"notifications: expected an object, got {_kind(payload)}")
    items = payload.get("notifications")
    if type(items) is not list or not items:
        raise DecodeError("notifications: expected a non-empty list")
    read = decoder(Notification)
    return [read(item) for item in items]


def _server_error(payload: Any) -> SocketErrorEvent:
    error = error_from_wire(payload)
    return SocketErrorEvent(code=error.code, message=error.message, context=dict(error.context or {}),
                            kind="server")


def error_from_wire(payload: Any) -> SocketError:
    """An ``error`` envelope's payload as a :class:`SocketError`. Raises DecodeError when malformed."""
    if type(payload) is not dict:
        raise DecodeError(f"error: expected an object, got {_kind(payload)}")
    code = _int(payload.get("code", 0))
    message = payload.get("message", "")
    if type(message) is not str:
        raise DecodeError(f"error.message: expected a string, got {_kind(message)}")
    context = payload.get("context") or {}
    if type(context) is not dict or not all(type(v) is str for v in context.values()):
        raise DecodeError("error.context: expected an object of strings")
    return SocketError(code, message, context)


#: pushed envelope key -> (signal name, strict decoder). A list result means one event per item.
EVENTS: dict[str, tuple[str, Decoder]] = {
    "match_data": ("received_match_state", match_data),
    "match_presence_event": ("received_match_presence", decoder(MatchPresenceEvent, ("match_id",))),
    "channel_message": ("received_channel_message", decoder(ChannelMessage, ("channel_id",))),
    "channel_presence_event": ("received_channel_presence", decoder(ChannelPresenceEvent, ("channel_id",))),
    "notifications": ("received_notification", _notifications),
    "status_presence_event": ("received_status_presence", decoder(StatusPresenceEvent)),
    "stream_data": ("received_stream_state", decoder(StreamData)),
    "stream_presence_event": ("received_stream_presence", decoder(StreamPresenceEvent)),
    "error": ("received_error", _server_error),
    "matchmaker_matched": ("received_matchmaker_matched", decoder(MatchmakerMatched, ("ticket",))),
    "party": ("received_party", decoder(Party, ("party_id",))),
    "party_update": ("received_party", decoder(PartyUpdate, ("party_id",))),
    "party_close": ("received_party_close", decoder(PartyClose, ("party_id",))),
    "party_data": ("received_party_data", decoder(PartyData, ("party_id",))),
    "party_join_request": ("received_party_join_request", decoder(PartyJoinRequest, ("party_id",))),
    "party_leader": ("received_party_leader", decoder(PartyLeader, ("party_id",))),
    "party_matchmaker_ticket": ("received_party_matchmaker_ticket",
                                decoder(PartyMatchmakerTicket, ("party_id", "ticket"))),
    "party_presence_event": ("received_party_presence", decoder(PartyPresenceEvent, ("party_id",))),
}

#: reply model -> the wire fields a reply must carry (a reply without them is malformed, not a default).
_REQUIRED: dict[type[Any], tuple[str, ...]] = {
    Match: ("match_id",),
    Channel: ("id",),
    ChannelMessageAck: ("channel_id", "message_id"),
    Rpc: ("id",),
    MatchmakerTicket: ("ticket",),
    PartyMatchmakerTicket: ("ticket",),
    Party: ("party_id",),
    PartyJoinRequest: ("party_id",),
}


def reply_decoder(cls: type[Any] | None) -> Decoder | None:
    """The strict reader of a reply payload of type ``cls`` (None: an empty ack, nothing to read)."""
    if cls is None:
        return None
    return decoder(cls, _REQUIRED.get(cls, ()))


# ---- encoding --------------------------------------------------------------------------------------------
if _wire.HAVE_ORJSON:
    import orjson as _orjson

    _dumps_bytes: Callable[[Any], bytes] = _orjson.dumps
else:
    import json as _json

    _encoder = _json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

    def _dumps_bytes(obj: Any) -> bytes:
        return _encoder.encode(obj).encode("utf-8")


def encode(envelope: dict[str, Any], limit: int | None) -> bytes:
    """The text frame of ``envelope``; ValueError if it is over ``limit`` bytes (the server would close)."""
    frame = _dumps_bytes(envelope)
    if limit is not None and len(frame) > limit:
        key = next(k for k in envelope if k != "cid")
        raise InvalidArgument(f"{key} message is {len(frame)} bytes; the server accepts at most {limit} "
                         "(it would close the socket)")
    return frame


#: Frames above this size are checked by :func:`too_costly` before decoding.
COSTLY_FRAME = 64 * 1024


def too_costly(data: bytes, max_objects: int) -> int:
    """How many JSON objects/arrays ``data`` may hold, when that is over ``max_objects`` (else 0).

    An upper bound counted without decoding: each costs ~100 bytes or more once decoded, so a 4 MiB frame
    of tiny objects would take hundreds of MB. Example: ``too_costly(b"[{},{}]" * 9, 10) -> 27``.
    """
    count = data.count(b"{") + data.count(b"[")
    return count if count > max_objects else 0
