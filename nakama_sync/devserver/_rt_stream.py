"""Custom streams on the dev server: server code joins sockets to a stream and sends them data
(the ``stream_data`` / ``stream_presence_event`` pushes; Nakama's runtime stream functions, see
https://heroiclabs.com/docs/nakama/server-framework/streams/).

Clients never send stream messages: server code does it through ``DevServer.stream_join``,
``stream_leave`` and ``stream_send`` (any thread), which call the registry at ``hub.streams``:

- ``hub.streams.join(session, key, hidden=False, persistence=False) -> bool`` (True on a new join)
- ``hub.streams.leave(session, key) -> bool``
- ``hub.streams.send(key, data, reliable=True, sender=None) -> int`` (how many sockets got it)
- ``hub.streams.presences(key) -> list[dict]``

A ``key`` is ``(mode, subject, subcontext, label)``. A visible join or leave sends a
``stream_presence_event`` to every member (the joiner gets its own join); hidden ones send none;
a disconnect is a leave. Loop thread only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._presence_batch import PresenceBatcher
from ._ws import WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["StreamKey", "StreamRegistry", "install", "stream_wire"]

StreamKey = tuple[int, str, str, str]
_KEY = "streams"   # WsSession.data key: set of stream keys the session is in


def stream_wire(key: StreamKey) -> dict[str, Any]:
    """The wire ``Stream`` object, defaults left out: ``{"mode": 99, "label": "lobby"}``."""
    mode, subject, subcontext, label = key
    out: dict[str, Any] = {}
    if mode:
        out["mode"] = mode
    if subject:
        out["subject"] = subject
    if subcontext:
        out["subcontext"] = subcontext
    if label:
        out["label"] = label
    return out


class StreamRegistry:
    """Stream members (session id -> (session, hidden, persistence)) per stream key."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.streams: dict[StreamKey, dict[str, tuple[WsSession, bool, bool]]] = {}
        self._presence: PresenceBatcher[StreamKey] = PresenceBatcher(self._send_presence_event)

    def join(self, session: WsSession, key: StreamKey, hidden: bool = False, persistence: bool = False) -> bool:
        members = self.streams.setdefault(key, {})
        new = session.session_id not in members
        members[session.session_id] = (session, hidden, persistence)
        session.data.setdefault(_KEY, set()).add(key)
        if new and not hidden:
            self._presence.add(key, join=presence_of(session))
        return new

    def leave(self, session: WsSession, key: StreamKey) -> bool:
        members = self.streams.get(key)
        session.data.get(_KEY, set()).discard(key)
        if members is None or session.session_id not in members:
            return False
        _, hidden, _ = members.pop(session.session_id)
        if not members:
            del self.streams[key]
        if not hidden:
            self._presence.add(key, leave=presence_of(session))
        return True

    def send(self, key: StreamKey, data: str, reliable: bool = True,
             sender: dict[str, Any] | None = None) -> int:
        body: dict[str, Any] = {"stream": stream_wire(key)}
        if sender:
            body["sender"] = sender
        if data:
            body["data"] = data
        if reliable:
            body["reliable"] = True
        members = list(self.streams.get(key, {}).values())
        for session, _, _ in members:
            session.send({"stream_data": body})
        return len(members)

    def presences(self, key: StreamKey) -> list[dict[str, Any]]:
        return [presence_of(s) for s, hidden, _ in self.streams.get(key, {}).values() if not hidden]

    def session_closed(self, session: WsSession) -> None:
        for key in list(session.data.get(_KEY, ())):
            self.leave(session, key)

    def _send_presence_event(self, key: StreamKey, joins: list[dict[str, Any]],
                             leaves: list[dict[str, Any]]) -> None:
        event: dict[str, Any] = {"stream": stream_wire(key)}
        if joins:
            event["joins"] = joins
        if leaves:
            event["leaves"] = leaves
        for session, _, _ in list(self.streams.get(key, {}).values()):
            session.send({"stream_presence_event": event})

def install(hub: Hub) -> None:
    registry = StreamRegistry(hub)
    hub.streams = registry  # type: ignore[attr-defined]
    hub.session_closed_hooks.append(registry.session_closed)
