"""A small authoritative-match runtime for the dev server (PROTOCOL.md §7.1 "Authoritative").

Register a handler with ``DevServer.register_match_handler(name, handler)`` and start a match with
``DevServer.create_match(name, params) -> "<uuid>.<node>"``. The handler is any object with these
methods (all but ``match_init`` and ``match_loop`` optional), called on the server's thread:

- ``match_init(ctx, params) -> (state, tick_rate, label)``
- ``match_join_attempt(ctx, dispatcher, tick, state, presence, metadata) -> (state, accept, reason)``
- ``match_join(ctx, dispatcher, tick, state, presences) -> state`` / ``match_leave(...)`` likewise
- ``match_loop(ctx, dispatcher, tick, state, messages) -> state`` (``None`` ends the match); each
  message is a dict ``{"sender", "op_code", "data" (bytes), "reliable"}``
- ``match_signal(ctx, dispatcher, tick, state, data) -> (state, result)``
- ``match_terminate(ctx, dispatcher, tick, state)``

``dispatcher.broadcast_message(op_code, data=b"", presences=None, sender=None, reliable=True)`` sends
``match_data`` (to everyone when ``presences`` is None); ``dispatcher.match_label_update(label)``.
Example: ``server.register_match_handler("echo", EchoHandler()); mid = server.create_match("echo", {})``
"""
from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from ._rt_match import data_body
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["AuthoritativeMatches", "Dispatcher"]

MATCH_NOT_FOUND, MATCH_JOIN_REJECTED = 4, 5


class _AuthMatch:
    def __init__(self, match_id: str, name: str, handler: Any) -> None:
        self.match_id = match_id
        self.name = name
        self.handler = handler
        self.state: Any = None
        self.tick_rate = 10
        self.label = ""
        self.tick = 0
        self.members: dict[str, WsSession] = {}
        self.messages: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] | None = None


class Dispatcher:
    """What a match handler uses to talk to its presences (loop thread only)."""

    def __init__(self, registry: AuthoritativeMatches, match: _AuthMatch) -> None:
        self._registry = registry
        self._match = match

    def broadcast_message(self, op_code: int, data: bytes | str = b"", presences: list[dict[str, Any]] | None = None,
                          sender: dict[str, Any] | None = None, reliable: bool = True) -> None:
        """Send ``match_data`` to ``presences`` (session ids decide), or to every member when None."""
        payload = data.encode() if isinstance(data, str) else bytes(data)
        body = data_body(self._match.match_id, sender, op_code, payload, reliable)
        if presences is None:
            targets = list(self._match.members.values())
        else:
            targets = [self._match.members[p["session_id"]] for p in presences
                       if p.get("session_id") in self._match.members]
        for session in targets:
            session.send({"match_data": body})

    def match_label_update(self, label: str) -> None:
        self._match.label = label


class AuthoritativeMatches:
    """The running authoritative matches, plugged into ``hub.matches.authoritative``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.matches: dict[str, _AuthMatch] = {}

    def _ctx(self, match: _AuthMatch) -> dict[str, Any]:
        return {"match_id": match.match_id, "node": self.hub.config.node, "server": self.hub.server}

    def create(self, name: str, params: dict[str, Any]) -> str:
        handlers = getattr(self.hub.server, "_match_handlers", {})
        handler = handlers.get(name)
        if handler is None:
            raise KeyError(f"no match handler registered as {name!r}")
        match = _AuthMatch(f"{uuid.uuid4()}.{self.hub.config.node}", name, handler)
        match.state, tick_rate, label = handler.match_init(self._ctx(match), dict(params))
        match.tick_rate = max(1, min(60, int(tick_rate or 10)))
        match.label = label or ""
        self.matches[match.match_id] = match
        match.task = asyncio.get_running_loop().create_task(self._run(match))
        return match.match_id

    async def _run(self, match: _AuthMatch) -> None:
        period = 1.0 / match.tick_rate
        while match.match_id in self.matches:
            await asyncio.sleep(period)
            match.tick += 1
            messages, match.messages = match.messages, []
            try:
                state = match.handler.match_loop(self._ctx(match), Dispatcher(self, match), match.tick,
                                                 match.state, messages)
            except Exception:
                self.hub.log.exception("match handler %s failed; ending match %s", match.name, match.match_id)
                state = None
            if state is None:
                self._end(match)
                return
            match.state = state

    def _end(self, match: _AuthMatch) -> None:
        self.matches.pop(match.match_id, None)
        terminate = getattr(match.handler, "match_terminate", None)
        if terminate is not None:
            try:
                terminate(self._ctx(match), Dispatcher(self, match), match.tick, match.state)
            except Exception:
                self.hub.log.exception("match_terminate of %s failed", match.name)
        for session in match.members.values():
            session.data.get("matches", set()).discard(match.match_id)
        match.members.clear()

    def signal(self, match_id: str, data: str) -> str:
        match = self.matches.get(match_id)
        if match is None:
            raise KeyError("match not found")
        fn = getattr(match.handler, "match_signal", None)
        if fn is None:
            return ""
        match.state, result = fn(self._ctx(match), Dispatcher(self, match), match.tick, match.state, data)
        return result or ""

    # ---- hooks called by hub.matches ----------------------------------------------------------
    def join(self, session: WsSession, match_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        match = self.matches.get(match_id)
        if match is None:
            raise WsFailure(MATCH_NOT_FOUND, "Match not found")
        me = presence_of(session)
        if session.session_id in match.members:
            everyone = [presence_of(s) for sid, s in match.members.items() if sid != session.session_id] + [me]
            return self._body(match, everyone, session)
        attempt = getattr(match.handler, "match_join_attempt", None)
        if attempt is not None:
            match.state, accept, reason = attempt(self._ctx(match), Dispatcher(self, match), match.tick,
                                                  match.state, me, dict(metadata))
            if not accept:
                raise WsFailure(MATCH_JOIN_REJECTED, reason or "Match join rejected")
        others = [presence_of(s) for s in match.members.values()]
        match.members[session.session_id] = session
        session.data.setdefault("matches", set()).add(match_id)
        on_join = getattr(match.handler, "match_join", None)
        if on_join is not None:
            match.state = on_join(self._ctx(match), Dispatcher(self, match), match.tick, match.state, [me])
        self.hub.matches.queue_event(match_id, join=me)  # type: ignore[attr-defined]
        return self._body(match, others, session)

    def _body(self, match: _AuthMatch, presences: list[dict[str, Any]], session: WsSession) -> dict[str, Any]:
        body: dict[str, Any] = {"match_id": match.match_id, "authoritative": True, "label": match.label}
        if presences:
            body["size"] = len(presences)
            body["presences"] = presences
        body["self"] = presence_of(session)
        return body

    def leave(self, session: WsSession, match_id: str) -> None:
        match = self.matches.get(match_id)
        session.data.get("matches", set()).discard(match_id)
        if match is None or match.members.pop(session.session_id, None) is None:
            return
        on_leave = getattr(match.handler, "match_leave", None)
        if on_leave is not None:
            match.state = on_leave(self._ctx(match), Dispatcher(self, match), match.tick, match.state,
                                   [presence_of(session)])
        self.hub.matches.queue_event(match_id, leave=presence_of(session))  # type: ignore[attr-defined]

    def send_data(self, session: WsSession, match_id: str, op_code: int, data: bytes,
                  presences: list[dict[str, Any]], reliable: bool) -> None:
        match = self.matches.get(match_id)
        if match is None or session.session_id not in match.members:
            return
        match.messages.append({"sender": presence_of(session), "op_code": op_code, "data": data,
                               "reliable": reliable})

    def members_of(self, match_id: str) -> list[WsSession]:
        match = self.matches.get(match_id)
        return list(match.members.values()) if match is not None else []

    def list_matches(self) -> list[dict[str, Any]]:
        return [{"match_id": m.match_id, "authoritative": True, "label": m.label, "size": len(m.members),
                 "tick_rate": m.tick_rate, "handler_name": m.name} for m in self.matches.values()]


def install(hub: Hub) -> None:
    """Plug authoritative matches into ``hub.matches`` (install after ``_rt_match``)."""
    hub.matches.authoritative = AuthoritativeMatches(hub)  # type: ignore[attr-defined]
