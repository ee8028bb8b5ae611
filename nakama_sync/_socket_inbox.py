"""What the reader thread does with one text message: decode it once, then resolve or deliver.

:class:`Inbox` is given, per connection, the request table, the ``deliver(signal, event)`` of the event
pump, the socket's signals, and a hook for events that end reconnect-tracked state. ``on_text(data)`` is
the hot path (frame → reply → waiting caller; frame → event → queue). It never raises: JSON that cannot
be read (``RecursionError`` of a deeply nested document included), a frame too costly to decode, a payload
of the wrong shape (see ``_socket_codec``) are reported on ``received_error`` (kind ``"malformed_frame"``)
and the reader goes on. Thread safety: the reader thread of its connection only.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ._socket_codec import COSTLY_FRAME, EVENTS, too_costly
from ._socket_requests import RequestTable
from ._wire import loads
from .models.realtime import SocketErrorEvent

__all__ = ["Inbox"]

log = logging.getLogger("nakama_sync.socket")

_RAW_LIMIT = 200  # characters of a malformed frame kept in SocketErrorEvent.raw


class Inbox:
    """Routes decoded messages of one connection. ``signals`` maps a signal name to the Signal object.

    Example: ``Inbox(table, pump.deliver, socket_signals, tracker.on_event, 100_000).on_text(b'{...}')``
    """

    __slots__ = ("_deliver", "_error", "_max_objects", "_routes", "_table")

    def __init__(self, table: RequestTable, deliver: Callable[[Any, Any], None], signals: dict[str, Any],
                 on_tracked_event: Callable[[str, Any], None], max_objects: int) -> None:
        self._table = table
        self._deliver = deliver
        self._error = signals["received_error"]
        self._max_objects = max_objects
        routes: dict[str, tuple[Any, Callable[[Any], Any]]] = {}
        for key, (name, decode) in EVENTS.items():
            if key in ("matchmaker_matched", "party_close"):
                decode = _tracked(key, decode, on_tracked_event)
            routes[key] = (signals[name], decode)
        self._routes = routes

    def on_text(self, data: bytes) -> None:
        """Decode one text message; resolve its request or deliver its event(s). Never raises."""
        try:
            if len(data) > COSTLY_FRAME:
                count = too_costly(data, self._max_objects)
                if count:
                    self.problem(f"frame of {len(data)} bytes with up to {count} JSON values refused: over "
                                 f"max_frame_objects ({self._max_objects})", data)
                    return
            envelope = loads(data)
        except (ValueError, RecursionError, MemoryError) as exc:
            self.problem(f"invalid JSON: {exc!r}"[:300], data)
            return
        try:
            if type(envelope) is not dict:
                self.problem("frame is not a JSON object", data)
                return
            cid = envelope.get("cid")
            if cid:
                future = self._table.pop(cid)
                if future is None:
                    if type(cid) is not str:
                        self.problem(f"reply with a cid that is not a string: {cid!r}"[:200], data)
                    else:   # a late reply to a request that timed out
                        log.debug("reply for unknown or expired request cid=%r", cid)
                    return
                future._resolve_reply(envelope)
                return
            if len(envelope) - ("cid" in envelope) > 1:   # a push carries exactly one message
                self.problem("envelope carries more than one message", data)
                return
            for key, payload in envelope.items():
                if key == "cid":
                    continue
                route = self._routes.get(key)
                if route is None:
                    if key != "pong":   # "pong" answers the heartbeat
                        log.debug("ignoring pushed envelope with unknown key %r", key)
                    return
                signal, decode = route
                try:
                    event = decode(payload)
                except (ValueError, TypeError, RecursionError) as exc:
                    self.problem(f"cannot read {key}: {exc}", data)
                    return
                if type(event) is list:
                    deliver = self._deliver
                    for item in event:
                        deliver(signal, item)
                else:
                    self._deliver(signal, event)
                return
            # "{}": the ack of a request sent without a cid; nothing waits for it.
        except Exception as exc:
            log.exception("socket could not handle a frame")
            self.problem(f"could not handle the frame: {exc!r}", data)

    def problem(self, message: str, data: bytes) -> None:
        """Report a message from the server that could not be used (``received_error``)."""
        raw = bytes(data[:_RAW_LIMIT]).decode("utf-8", "replace") if data else None
        log.warning("malformed frame from the server: %s", message)
        self._deliver(self._error, SocketErrorEvent(code=-1, message=message, kind="malformed_frame", raw=raw))


def _tracked(key: str, decode: Callable[[Any], Any], on_event: Callable[[str, Any], None]) -> Callable[[Any], Any]:
    def read(payload: Any) -> Any:
        event = decode(payload)
        on_event(key, event)
        return event
    return read
