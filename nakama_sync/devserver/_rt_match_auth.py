"""Authoritative matches on the dev server (Nakama's match_handler.go; see
https://heroiclabs.com/docs/nakama/concepts/multiplayer/authoritative/).

Register a handler with ``DevServer.register_match_handler(name, handler)`` (or ``initializer.register_match``)
and start a match with ``nk.match_create(name, params)`` / ``DevServer.create_match`` -> ``"<uuid>.<node>"``.
The handler is any object with these methods, shaped as Nakama's Lua ones and called on the server's
thread (all but ``match_init`` and ``match_loop`` optional):

- ``match_init(ctx, params) -> (state, tick_rate, label)``: tick rate 1-60, label up to 2048 bytes
- ``match_join_attempt(ctx, dispatcher, tick, state, presence, metadata) -> (state, accept[, reason])``;
  a refusal reaches the client as error 5 with ``reason`` (default "Match join rejected")
- ``match_join(ctx, dispatcher, tick, state, presences) -> state`` / ``match_leave(...)`` likewise
- ``match_loop(ctx, dispatcher, tick, state, messages) -> state`` (``None`` ends the match); each
  message is a dict ``{"sender", "op_code", "data" (bytes), "reliable", "receive_time_ms"}``
- ``match_signal(ctx, dispatcher, tick, state, data) -> (state, result)``
- ``match_terminate(ctx, dispatcher, tick, state, grace_seconds) -> state``: when the server stops

``ctx`` is an :class:`RpcContext` with ``match_id``, ``match_node``, ``match_label``, ``match_tick_rate``.
A handler that raises ends its match, as in Nakama: the error is logged and the members' sockets are
closed; the server keeps running. Leaves caused by ``match_kick`` reach ``match_leave`` before the next
``match_loop``.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

from ._http import INVALID_ARGUMENT, NOT_FOUND
from ._hub import RpcContext
from ._rt_match import data_body
from ._runtime import RuntimeFunctionError
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["AuthoritativeMatches", "Dispatcher"]

MATCH_NOT_FOUND, MATCH_JOIN_REJECTED = 4, 5
LABEL_MAX_BYTES = 2048   # Nakama's MatchLabelMaxBytes
TICK_RATE_MIN, TICK_RATE_MAX = 1, 60


def _check_label(label: Any) -> str:
    if not isinstance(label, str):
        raise RuntimeFunctionError("match label must be a str", INVALID_ARGUMENT)
    if len(label.encode("utf-8")) > LABEL_MAX_BYTES:
        raise RuntimeFunctionError(f"match label too long, must be {LABEL_MAX_BYTES} bytes or less",
                                   INVALID_ARGUMENT)
    return label


class _AuthMatch:
    def __init__(self, match_id: str, name: str, handler: Any) -> None:
        self.match_id = match_id
        self.name = name
        self.handler = handler
        self.state: Any = None
        self.tick_rate = 10
        self.label = ""
        self.tick = 0
        self.create_time = int(time.time())
        self.members: dict[str, WsSession] = {}
        self.messages: list[dict[str, Any]] = []
        self.kicked: list[dict[str, Any]] = []      # presences waiting for match_leave
        self.task: asyncio.Task[None] | None = None


class Dispatcher:
    """What a match handler uses to talk to its presences (server thread only).

    Example: ``dispatcher.broadcast_message(1, b"state", None, None, True)``
    """

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

    def broadcast_message_deferred(self, op_code: int, data: bytes | str = b"",
                                   presences: list[dict[str, Any]] | None = None,
                                   sender: dict[str, Any] | None = None, reliable: bool = True) -> None:
        """As :meth:`broadcast_message` (the dev server sends at once; Nakama sends at the end of the tick)."""
        self.broadcast_message(op_code, data, presences, sender, reliable)

    def match_kick(self, presences: list[dict[str, Any]]) -> None:
        """Remove presences from the match: the others get a leave event, ``match_leave`` runs next tick.

        Example: ``dispatcher.match_kick([presence])``
        """
        for presence in presences:
            session = self._match.members.get(str(presence.get("session_id", "")))
            if session is not None:
                self._registry.remove_member(self._match, session, kicked=True)

    def match_label_update(self, label: str) -> None:
        """Change the label ``match_list``/``GET /v2/match`` filter on (at most 2048 bytes).

        Example: ``dispatcher.match_label_update(json.dumps({"open": 0}))``
        """
        self._match.label = _check_label(label)


class AuthoritativeMatches:
    """The running authoritative matches, plugged into ``hub.matches.authoritative``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.matches: dict[str, _AuthMatch] = {}

    def _ctx(self, match: _AuthMatch) -> RpcContext:
        return RpcContext(self.hub.server, execution_mode="match", match_id=match.match_id,
                          match_label=match.label, match_tick_rate=match.tick_rate)

    def create(self, name: str, params: dict[str, Any]) -> str:
        handlers = getattr(self.hub.server, "_match_handlers", {})
        handler = handlers.get(name)
        if handler is None:
            raise RuntimeFunctionError(f"no match handler registered as {name!r}", NOT_FOUND)
        match = _AuthMatch(f"{uuid.uuid4()}.{self.hub.config.node}", name, handler)
        try:
            result = handler.match_init(self._ctx(match), dict(params))
        except Exception as exc:
            raise RuntimeFunctionError(f"match_init of {name} failed: {exc}") from exc
        if not isinstance(result, tuple) or len(result) not in (2, 3):
            raise RuntimeFunctionError("match_init must return (state, tick_rate, label)")
        tick_rate = result[1]
        if isinstance(tick_rate, bool) or not isinstance(tick_rate, int) \
                or not TICK_RATE_MIN <= tick_rate <= TICK_RATE_MAX:
            raise RuntimeFunctionError("match_init returned invalid tick rate, must be between 1 and 60",
                                       INVALID_ARGUMENT)
        match.state, match.tick_rate = result[0], tick_rate
        match.label = _check_label(result[2] if len(result) == 3 and result[2] is not None else "")
        self.matches[match.match_id] = match
        match.task = asyncio.get_running_loop().create_task(self._run(match))
        return match.match_id

    async def _run(self, match: _AuthMatch) -> None:
        period = 1.0 / match.tick_rate
        next_tick = time.monotonic() + period
        while match.match_id in self.matches:
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            next_tick += period
            if match.match_id not in self.matches:
                return
            match.tick += 1
            if match.kicked:
                kicked, match.kicked = match.kicked, []
                if not self._call(match, "match_leave", kicked):
                    return
            messages, match.messages = match.messages, []
            if not self._call(match, "match_loop", messages, required=True):
                return

    def _call(self, match: _AuthMatch, what: str, *args: Any, required: bool = False) -> bool:
        """Run a state-returning handler method; False when the match ended (None state or a raise)."""
        fn = getattr(match.handler, what, None)
        if fn is None:
            return True
        try:
            state = fn(self._ctx(match), Dispatcher(self, match), match.tick, match.state, *args)
        except Exception:
            self.hub.log.exception("Stopping match %s (%s) after error from %s execution", match.match_id,
                                   match.name, what)
            self._stop(match, disconnect=True)
            return False
        if state is None:
            self.hub.log.info("%s of match %s returned no state, stopping match", what, match.match_id)
            self._stop(match)
            return False
        match.state = state
        return True

    def _stop(self, match: _AuthMatch, disconnect: bool = False) -> None:
        if self.matches.pop(match.match_id, None) is None:
            return
        if match.task is not None and match.task is not asyncio.current_task():
            match.task.cancel()   # its loop is asleep between ticks: nothing of it runs any more
        members = list(match.members.values())
        for session in members:
            session.data.get("matches", set()).discard(match.match_id)
        match.members.clear()
        if disconnect:   # as Nakama after a handler error: every member's socket is closed
            for session in members:
                session.close("match handler error")

    def shutdown(self, grace_seconds: int = 0) -> None:
        """The server is stopping: each match's ``match_terminate`` runs once, then it ends."""
        for match in list(self.matches.values()):
            self._call(match, "match_terminate", grace_seconds)
            self._stop(match)

    def signal(self, match_id: str, data: str) -> str:
        match = self.matches.get(match_id)
        if match is None:
            raise RuntimeFunctionError("match not found", NOT_FOUND)
        fn = getattr(match.handler, "match_signal", None)
        if fn is None:
            return ""
        try:
            match.state, result = fn(self._ctx(match), Dispatcher(self, match), match.tick, match.state, data)
        except Exception as exc:
            self.hub.log.exception("Stopping match %s after error from match_signal execution", match_id)
            self._stop(match, disconnect=True)
            raise RuntimeFunctionError(f"match signal failed: {exc}") from exc
        if match.state is None:
            self._stop(match)
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
            try:
                result = attempt(self._ctx(match), Dispatcher(self, match), match.tick, match.state, me,
                                 dict(metadata))
                state, accept = result[0], bool(result[1])
                reason = result[2] if len(result) > 2 and isinstance(result[2], str) else ""
            except Exception:
                self.hub.log.exception("Stopping match %s after error from match_join_attempt execution",
                                       match_id)
                self._stop(match, disconnect=True)
                raise WsFailure(MATCH_JOIN_REJECTED, "Match join rejected") from None
            if state is None:
                self._stop(match)
                raise WsFailure(MATCH_NOT_FOUND, "Match not found")
            match.state = state
            if not accept:
                raise WsFailure(MATCH_JOIN_REJECTED, reason or "Match join rejected")
        others = [presence_of(s) for s in match.members.values()]
        match.members[session.session_id] = session
        session.data.setdefault("matches", set()).add(match_id)
        self.hub.matches.queue_event(match_id, join=me)  # type: ignore[attr-defined]
        if not self._call(match, "match_join", [me]):
            raise WsFailure(MATCH_NOT_FOUND, "Match not found")
        return self._body(match, others, session)

    def _body(self, match: _AuthMatch, presences: list[dict[str, Any]], session: WsSession) -> dict[str, Any]:
        body: dict[str, Any] = {"match_id": match.match_id, "authoritative": True, "label": match.label}
        if presences:
            body["size"] = len(presences)
            body["presences"] = presences
        body["self"] = presence_of(session)
        return body

    def remove_member(self, match: _AuthMatch, session: WsSession, kicked: bool = False) -> None:
        """Take a session out of a match; ``kicked`` defers ``match_leave`` to the next tick."""
        if match.members.pop(session.session_id, None) is None:
            return
        session.data.get("matches", set()).discard(match.match_id)
        self.hub.matches.queue_event(match.match_id, leave=presence_of(session))  # type: ignore[attr-defined]
        if kicked:
            match.kicked.append(presence_of(session))
        else:
            self._call(match, "match_leave", [presence_of(session)])

    def leave(self, session: WsSession, match_id: str) -> None:
        session.data.get("matches", set()).discard(match_id)
        match = self.matches.get(match_id)
        if match is not None:
            self.remove_member(match, session)

    def send_data(self, session: WsSession, match_id: str, op_code: int, data: bytes,
                  presences: list[dict[str, Any]], reliable: bool) -> None:
        match = self.matches.get(match_id)
        if match is None or session.session_id not in match.members:
            return
        match.messages.append({"sender": presence_of(session), "op_code": op_code, "data": data,
                               "reliable": reliable, "receive_time_ms": int(time.time() * 1000)})

    def members_of(self, match_id: str) -> list[WsSession]:
        match = self.matches.get(match_id)
        return list(match.members.values()) if match is not None else []

    def list_matches(self) -> list[dict[str, Any]]:
        return [{"match_id": m.match_id, "authoritative": True, "label": m.label, "size": len(m.members),
                 "tick_rate": m.tick_rate, "handler_name": m.name} for m in self.matches.values()]


def install(hub: Hub) -> None:
    """Plug authoritative matches into ``hub.matches`` (install after ``_rt_match``)."""
    hub.matches.authoritative = AuthoritativeMatches(hub)  # type: ignore[attr-defined]
