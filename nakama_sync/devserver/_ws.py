"""The realtime socket of the dev server: ``GET /ws``, one :class:`WsSession` per connection.

Handlers for envelope keys are registered with ``@hub.ws_handler(key, fields)``; ``fields`` maps each
allowed field (snake_case) to a type from :data:`FIELD_TYPES`. The decoder is as strict as Nakama's (each
frame is one envelope: an optional string ``cid`` plus exactly one message key): an unknown key or field, a
wrong type, bad base64, a numeric cid, or two message keys close the socket with ``received malformed
payload``; an envelope without a message closes it with ``error processing message``.

A handler is ``fn(session, msg, cid) -> dict | None`` (or a coroutine): the dict is the reply body
(``{"match": {...}}``, or ``{}`` for an empty ack), ``None`` means no reply. Raise :class:`WsFailure`
for an ``error`` reply. Handlers of one session run one at a time, in arrival order, on the loop thread.
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from ._http import parse_bool, snake
from ._hub import HUB_KEY

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["FIELD_TYPES", "WsFailure", "WsSession", "presence_of", "websocket_view"]

FIELD_TYPES = ("string", "bool", "int32", "int64", "double", "bytes", "strings", "map_ss", "map_sd",
               "StringValue", "BoolValue", "Int32Value", "presence", "presences")

# messages only the server sends: receiving one is error 1 and a close (pipeline.go)
SERVER_ONLY = {"channel", "channel_message", "channel_message_ack", "channel_presence_event", "error", "match",
               "match_data", "match_presence_event", "matchmaker_matched", "matchmaker_ticket", "notifications",
               "status", "status_presence_event", "stream_data", "stream_presence_event", "party",
               "party_data", "party_leader", "party_presence_event"}  # party_close, party_update: both ways

_PRESENCE_FIELDS = {"user_id": "string", "session_id": "string", "username": "string",
                    "persistence": "bool", "status": "StringValue"}


# frames queued for one session that make the readers yield to the writers (the queue holds 64)
_BACKLOG = 8

# what writing to a dying connection raises (ConnectionResetError is an OSError)
_IO_ERRORS = (OSError, asyncio.TimeoutError, RuntimeError)


class WsFailure(Exception):
    """Raise in a socket handler to reply ``{"error": {"code": code, "message": message}}``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Malformed(Exception):
    pass


def presence_of(session: WsSession, **extra: Any) -> dict[str, Any]:
    """The wire UserPresence of a session (``extra`` adds ``persistence``/``status`` when given)."""
    presence: dict[str, Any] = {"user_id": session.user_id, "session_id": session.session_id,
                                "username": session.username}
    presence.update(extra)
    return presence


class WsSession:
    """One connected socket. ``send`` may be called from the loop thread only."""

    def __init__(self, hub: Hub, ws: web.WebSocketResponse, claims: dict[str, Any], status: bool,
                 lang: str, token: str) -> None:
        self.hub = hub
        self.ws = ws
        self.session_id = str(uuid.uuid1())
        self.user_id: str = claims["uid"]
        self.username: str = claims.get("usn", "")
        self.vars: dict[str, str] = dict(claims.get("vrs") or {})
        self.expiry: int = int(claims.get("exp", 0))
        self.token = token
        self.appear_online = status
        self.lang = lang
        self.closed = False
        self.close_reason = ""
        self.silenced = False           # test hook: stop writing and stop answering pings
        self.queue: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.received = 0
        self.deadline = time.monotonic() + hub.config.pong_wait_sec
        self.last_reset = time.monotonic()
        self.data: dict[str, Any] = {}  # per-feature state (e.g. joined matches), keyed by module

    # ---- output -------------------------------------------------------------------------
    def send(self, envelope: dict[str, Any]) -> None:
        """Queue one envelope; a full outgoing queue closes the session, as in Nakama."""
        frame = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False)
        if not self.hub.conditions.hold_outgoing(self, envelope, frame):  # network conditions (_conditions.py)
            self.send_raw(frame)

    def send_raw(self, frame: str | bytes) -> None:
        """Queue a frame exactly as given (text or binary); tests use it to inject bad frames.

        The queue holds what this session's writer has not handed to the connection yet; the writer
        drains it while routing goes on (a reader yields to the writers once a queue holds
        ``_BACKLOG`` frames), so it fills only when the connection's buffers are full: a reader that
        really falls behind.
        """
        if self.closed:
            return
        if self.queue.qsize() >= self.hub.config.outgoing_queue_size:
            while not self.queue.empty():  # a slow consumer is closed at once, as in Nakama
                self.queue.get_nowait()
            self.close("session outgoing queue full")
            return
        self.queue.put_nowait(frame)
        if self.queue.qsize() >= _BACKLOG:
            self.hub.outgoing_backlog = True

    def reply(self, cid: str | None, body: dict[str, Any]) -> None:
        self.send({"cid": cid, **body} if cid else body)

    def error(self, cid: str | None, code: int, message: str) -> None:
        err: dict[str, Any] = {"message": message}
        if code:
            err = {"code": code, "message": message}
        self.reply(cid, {"error": err})

    def close(self, reason: str, code: int = WSCloseCode.OK) -> None:
        """Close after the frames already queued are written."""
        if self.closed:
            return
        self.hub.conditions.flush(self)  # frames held by network conditions go out before the close
        self.closed = True
        self.close_reason = reason
        self.queue.put_nowait(None)
        self._close_args = (code, reason)

    _close_args: tuple[int, str] = (WSCloseCode.OK, "")


def _normalize(body: Any, fields: dict[str, str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _Malformed("message is not an object")
    out: dict[str, Any] = {}
    for raw_key, value in body.items():
        key = snake(raw_key)
        kind = fields.get(key)
        if kind is None:
            raise _Malformed(f"unknown field {raw_key}")
        if value is None:
            continue
        out[key] = _convert(kind, value)
    return out


def _convert(kind: str, value: Any) -> Any:
    if kind in ("string", "StringValue"):
        if not isinstance(value, str):
            raise _Malformed("not a string")
        return value
    if kind in ("bool", "BoolValue"):
        if not isinstance(value, bool):
            raise _Malformed("not a bool")
        return value
    if kind in ("int32", "int64", "Int32Value"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            number = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        except ValueError:
            number = None
        if number is None:
            raise _Malformed("not an int")
        bits = 63 if kind == "int64" else 31
        if not -(1 << bits) <= number < 1 << bits:  # out of range: malformed, as protojson has it
            raise _Malformed("int out of range")
        return number
    if kind == "double":
        if isinstance(value, bool):
            raise _Malformed("not a number")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError as exc:
                raise _Malformed("not a number") from exc
        raise _Malformed("not a number")
    if kind == "bytes":
        if not isinstance(value, str):
            raise _Malformed("bytes not a string")
        text = value.replace("-", "+").replace("_", "/")
        text += "=" * (-len(text) % 4)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Malformed("bad base64") from exc
    if kind == "strings":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Malformed("not a list of strings")
        return list(value)
    if kind == "map_ss":
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise _Malformed("not a map of strings")
        return dict(value)
    if kind == "map_sd":
        if not isinstance(value, dict):
            raise _Malformed("not a map")
        return {k: _convert("double", v) for k, v in value.items()}
    if kind == "presence":
        return _normalize(value, _PRESENCE_FIELDS)
    if kind == "presences":
        if not isinstance(value, list):
            raise _Malformed("not a list")
        return [_normalize(v, _PRESENCE_FIELDS) for v in value]
    raise AssertionError(f"unknown field type {kind}")


async def websocket_view(request: web.Request) -> web.StreamResponse:
    hub: Hub = request.app[HUB_KEY]
    fmt = request.query.get("format", "json")
    if fmt not in ("", "json"):
        return web.Response(status=400, text="Invalid format parameter\n", content_type="text/plain")
    header = request.headers.get("Authorization")
    if header is not None:
        token = header[7:] if header.startswith("Bearer ") else ""
    else:
        token = request.query.get("token", "")
    # Like Nakama 3.40, the upgrade checks signature, expiry and "log out everywhere", not the logout
    # of one single token: Nakama looks the raw token up where a token id belongs, so that check never
    # matches (see _revocation).
    from . import _jwt
    try:
        claims = _jwt.decode(token, hub.config.encryption_key, now=time.time()) if token else None
    except _jwt.InvalidToken:
        claims = None
    if not claims or not isinstance(claims.get("uid"), str) or not hub.socket_token_admitted(claims):
        return web.Response(status=401, text="Missing or invalid token\n", content_type="text/plain")
    status = parse_bool(request.query.get("status", "")) or False
    ws = web.WebSocketResponse(autoping=False, autoclose=False, compress=False,
                               max_msg_size=hub.config.max_message_size_bytes)
    await ws.prepare(request)
    session = WsSession(hub, ws, claims, status, request.query.get("lang", "en") or "en", token)
    hub.add_session(session)
    for hook in list(hub.session_opened_hooks):
        try:
            hook(session)
        except Exception:
            hub.log.exception("session-opened hook failed")
    writer = asyncio.ensure_future(_writer(session))
    pinger = asyncio.ensure_future(_liveness(session))
    try:
        await _reader(session)
    finally:
        session.close(session.close_reason or "connection closed")
        pinger.cancel()
        try:
            await asyncio.wait_for(writer, timeout=hub.config.pong_wait_sec)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            writer.cancel()
        if not ws.closed:
            await ws.close()
        hub.remove_session(session)
    return ws


async def _writer(session: WsSession) -> None:
    """Hand queued frames to the connection, one at a time, in order (Nakama's per-session writer).

    A send returns at once while the connection's buffer has room and waits only when it is full; a
    peer that stops reading for good is ended by the liveness check (no pong within the pong wait).
    """
    ws = session.ws
    while True:
        frame = await session.queue.get()
        if frame is None:
            break
        if session.silenced:
            continue
        try:
            if isinstance(frame, bytes):
                await ws.send_bytes(frame)
            else:
                await ws.send_str(frame)
        except _IO_ERRORS:
            session.closed = True
            break
    if not ws.closed and not session.silenced:
        code, reason = session._close_args
        try:
            await asyncio.wait_for(ws.close(code=code, message=reason.encode()), 2.0)
        except _IO_ERRORS:
            return  # the peer is gone: nothing left to close


async def _liveness(session: WsSession) -> None:
    """Send a WS ping each ping period; end the session when no pong arrives by the read deadline."""
    cfg = session.hub.config
    while not session.closed:
        now = time.monotonic()
        next_ping = session.last_reset + cfg.ping_period_sec
        wake = min(next_ping, session.deadline)
        await asyncio.sleep(max(0.0, wake - now))
        now = time.monotonic()
        if now >= session.deadline:
            session.close("read tcp: i/o timeout")
            await session.ws.close()  # unblocks the reader
            return
        if now >= next_ping and not session.silenced:
            session.last_reset = now
            try:
                await session.ws.ping()
            except _IO_ERRORS:
                return


def _reset_deadline(session: WsSession) -> None:
    now = time.monotonic()
    session.deadline = now + session.hub.config.pong_wait_sec
    session.last_reset = now


async def _reader(session: WsSession) -> None:
    ws = session.ws
    cfg = session.hub.config
    while not session.closed:
        msg = await ws.receive()
        if msg.type == WSMsgType.TEXT:
            session.received += 1
            if session.received % cfg.ping_backoff_threshold == 0:
                _reset_deadline(session)
            if session.silenced:
                continue
            await session.hub.conditions.receive(session, msg.data, _dispatch)  # now, or after a delay
            if session.hub.outgoing_backlog:
                # a burst already in the read buffer would otherwise be routed whole before any
                # recipient's writer runs: let the writers drain their queues first
                session.hub.outgoing_backlog = False
                await asyncio.sleep(0)
        elif msg.type == WSMsgType.BINARY:
            session.close("received unexpected WebSocket message type")
        elif msg.type == WSMsgType.PING:
            if not session.silenced:
                await ws.pong(msg.data)
        elif msg.type == WSMsgType.PONG:
            _reset_deadline(session)
        elif msg.type == WSMsgType.CLOSE:
            # the client closed: echo its code with an empty reason, then drop the connection, as Nakama does
            code = msg.data if isinstance(msg.data, int) and 1000 <= msg.data < 5000 else WSCloseCode.OK
            session.close("", code=code)
        elif msg.type == WSMsgType.ERROR:
            exc = ws.exception()
            if getattr(exc, "code", None) == WSCloseCode.MESSAGE_TOO_BIG:
                session.close("", code=WSCloseCode.MESSAGE_TOO_BIG)
            else:
                session.close("received malformed payload")
        else:  # CLOSING / CLOSED: the connection is gone
            session.close(session.close_reason or "connection closed")


async def _dispatch(session: WsSession, text: str) -> None:
    hub = session.hub
    try:
        envelope = json.loads(text)
        if not isinstance(envelope, dict):
            raise _Malformed("envelope is not an object")
        cid = envelope.pop("cid", None)
        if cid is not None and not isinstance(cid, str):
            raise _Malformed("cid is not a string")
        if len(envelope) > 1:
            raise _Malformed("two messages in one envelope")
        if not envelope:
            session.close("error processing message")
            return
        ((raw_key, body),) = envelope.items()
        key = snake(raw_key)
        if key in SERVER_ONLY:
            session.error(cid or None, 1, "Unrecognized message.")
            session.close("error processing message")
            return
        entry = hub.ws_handlers.get(key)
        if entry is None:
            raise _Malformed(f"unknown message {raw_key}")
        handler, fields = entry
        msg = _normalize(body, fields)
    except (ValueError, _Malformed):
        session.close("received malformed payload")
        return
    cid = cid or None
    hooks = getattr(hub, "runtime", None)   # server code's before/after hooks (_runtime_hooks.py)
    try:
        if hooks is not None:
            hooked = hooks.rt_before(session, key, msg)
            if hooked is None:  # a disabled resource: Nakama answers and closes the session
                session.error(cid, 1, "Requested resource was not found.")
                session.close("Requested resource was not found.")
                return
            try:
                msg = msg if hooked is msg else _normalize(hooked, fields)
            except _Malformed as exc:
                raise WsFailure(7, f"before hook returned a bad {key}: {exc}") from exc
        result = handler(session, msg, cid)
        if asyncio.iscoroutine(result):
            result = await result
    except WsFailure as failure:
        session.error(cid, failure.code, failure.message)
        return
    except Exception:
        hub.log.exception("dev server error handling %s", key)
        session.error(cid, 0, "Internal server error")
        return
    if result is not None:
        session.reply(cid, result)
    if hooks is not None:
        hooks.rt_after(session, key, result, msg)


def install(hub: Hub) -> None:
    """The socket route and the two messages every server answers: ``ping`` and ``pong``."""

    @hub.ws_handler("ping", {})
    def _ping(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        return {"pong": {}}

    @hub.ws_handler("pong", {})
    def _pong(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        return None
