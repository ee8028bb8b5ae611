"""Relayed matches on the dev server (Nakama's pipeline_match.go, tracker.go; see
https://heroiclabs.com/docs/nakama/concepts/multiplayer/relayed/).

A relayed match is a set of presences keyed by ``"<uuid>."``; it exists only while someone is in it.
The server relays ``match_data_send`` to the other members and sends ``match_presence_event`` pushes,
batched per match and sent right after the request's reply (Nakama sends them asynchronously too).

Other modules use the registry at ``hub.matches`` (loop thread only):

- ``hub.matches.new_token(match_id=None, ttl=30) -> (token, match_id)``: a matchmaker token (HS256 JWT,
  claims ``{"exp", "mid"}``) that ``match_join {"token": ...}`` accepts, creating the match if missing.
  Example: ``token, mid = hub.matches.new_token()``
- ``hub.matches.join(session, match_id, allow_empty=True) -> dict``: join a session (the ``match`` body).
- ``hub.matches.list_matches() -> list[dict]``: every live match as ``{"match_id", "size", ...}`` for
  ``GET /v2/match`` (relayed ones carry only ``match_id``, ``size`` and ``authoritative: False``).
- ``hub.matches.authoritative``: a hook object for authoritative matches (see ``_rt_match_auth.py``
  when present); ``None`` means every ``"<uuid>.<node>"`` id is "Match not found".
"""
from __future__ import annotations

import base64
import time
import uuid
from typing import TYPE_CHECKING, Any

from . import _jwt
from ._presence_batch import PresenceBatcher
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["MatchRegistry", "RelayedMatch", "install", "parse_match_id"]

BAD_INPUT, MATCH_NOT_FOUND = 3, 4
_KEY = "matches"  # WsSession.data key: set of match ids the session is in


def parse_match_id(match_id: str) -> tuple[str, str]:
    """``"<uuid>.<node>"`` -> (canonical uuid text, node); raises WsFailure 3 ``Invalid match ID``."""
    head, dot, node = match_id.partition(".")
    if not dot:
        raise WsFailure(BAD_INPUT, "Invalid match ID")
    try:
        return str(uuid.UUID(head)), node
    except ValueError as exc:
        raise WsFailure(BAD_INPUT, "Invalid match ID") from exc


class RelayedMatch:
    """The members of one relayed match, in join order."""

    def __init__(self, match_id: str) -> None:
        self.match_id = match_id
        self.members: dict[str, WsSession] = {}   # session_id -> session

    def presences(self, exclude: str | None = None) -> list[dict[str, Any]]:
        return [presence_of(s) for sid, s in self.members.items() if sid != exclude]


class MatchRegistry:
    """Every relayed match of the server, plus presence-event batching. Loop thread only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.matches: dict[str, RelayedMatch] = {}
        self.authoritative: Any = None   # optional authoritative-match support (see module docstring)
        self._presence: PresenceBatcher[str] = PresenceBatcher(self._send_presence_event)

    # ---- API for other modules ------------------------------------------------------------
    def new_token(self, match_id: str | None = None, ttl: int = 30) -> tuple[str, str]:
        """A matchmaker match token and its match id (a fresh ``"<uuid4>."`` unless given)."""
        mid = match_id or f"{uuid.uuid4()}."
        claims = {"exp": int(time.time()) + ttl, "mid": mid}
        return _jwt.encode(claims, self.hub.config.encryption_key), mid

    def list_matches(self) -> list[dict[str, Any]]:
        """Live matches for ``GET /v2/match``: relayed ones, then authoritative ones (if supported)."""
        out: list[dict[str, Any]] = [{"match_id": m.match_id, "authoritative": False, "size": len(m.members)}
                                     for m in self.matches.values()]
        if self.authoritative is not None:
            out.extend(self.authoritative.list_matches())
        return out

    def create(self, session: WsSession, name: str = "") -> dict[str, Any]:
        """``match_create``: a new match (or, with a name, the uuid5 match of that name)."""
        if not name:
            match_id = f"{uuid.uuid4()}."
            self._add(session, self._get_or_make(match_id))
            return {"match_id": match_id, "size": 1, "self": presence_of(session)}
        match_id = f"{uuid.uuid5(uuid.NAMESPACE_DNS, name)}."
        match = self._get_or_make(match_id)
        before = [presence_of(s) for s in match.members.values()]
        if session.session_id not in match.members:
            self._add(session, match)
        return _match_body(match_id, len(match.members), before, session)

    def join(self, session: WsSession, match_id: str, allow_empty: bool = False,
             metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """``match_join`` by id (``allow_empty``: create the match if missing, as a token join does)."""
        canonical, node = parse_match_id(match_id)
        if node:
            if self.authoritative is None:
                raise WsFailure(MATCH_NOT_FOUND, "Match not found")
            return self.authoritative.join(session, f"{canonical}.{node}", metadata or {})
        key = f"{canonical}."
        match = self.matches.get(key)
        if match is None:
            if not allow_empty:
                raise WsFailure(MATCH_NOT_FOUND, "Match not found")
            match = self._get_or_make(key)
        if session.session_id in match.members:
            everyone = match.presences(exclude=session.session_id) + [presence_of(session)]
            return _match_body(match_id, len(everyone), everyone, session)
        others = match.presences()
        self._add(session, match)
        return _match_body(match_id, len(others), others, session)

    def join_token(self, session: WsSession, token: str, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        """``match_join`` by matchmaker token: checks it, then joins ``mid`` (creating it if missing)."""
        try:
            claims = _jwt.decode(token, self.hub.config.encryption_key, now=time.time())
        except _jwt.InvalidToken as exc:
            raise WsFailure(BAD_INPUT, "Invalid match token") from exc
        mid = claims.get("mid")
        if not isinstance(mid, str) or not mid:
            raise WsFailure(BAD_INPUT, "Invalid match token")
        return self.join(session, mid, allow_empty=True, metadata=metadata)

    def leave(self, session: WsSession, match_id: str) -> None:
        """``match_leave``: a no-op when not a member."""
        canonical, node = parse_match_id(match_id)
        if node:
            if self.authoritative is not None:
                self.authoritative.leave(session, f"{canonical}.{node}")
            return
        match = self.matches.get(f"{canonical}.")
        if match is not None and session.session_id in match.members:
            self._remove(session, match)

    def send_data(self, session: WsSession, match_id: str, op_code: int, data: bytes,
                  presences: list[dict[str, Any]], reliable: bool) -> None:
        """``match_data_send``: relay to the other members (or to the listed sessions)."""
        canonical, node = parse_match_id(match_id)
        if node:
            if self.authoritative is not None:
                self.authoritative.send_data(session, f"{canonical}.{node}", op_code, data, presences,
                                             reliable)
            return
        match = self.matches.get(f"{canonical}.")
        if match is None or session.session_id not in match.members:
            return  # a non-member's data is dropped quietly
        if presences:
            targets: list[str] = []
            for p in presences:
                if not (_is_uuid(p.get("user_id", "")) and _is_uuid(p.get("session_id", ""))):
                    return  # a bad filter presence drops the message
                targets.append(str(uuid.UUID(p["session_id"])))
            receivers = [match.members[sid] for sid in dict.fromkeys(targets) if sid in match.members]
        else:
            receivers = [s for sid, s in match.members.items() if sid != session.session_id]
        body = data_body(match.match_id, presence_of(session), op_code, data, reliable)
        for receiver in receivers:
            receiver.send({"match_data": body})

    # ---- internals --------------------------------------------------------------------------
    def _get_or_make(self, match_id: str) -> RelayedMatch:
        match = self.matches.get(match_id)
        if match is None:
            match = self.matches[match_id] = RelayedMatch(match_id)
        return match

    def _add(self, session: WsSession, match: RelayedMatch) -> None:
        match.members[session.session_id] = session
        session.data.setdefault(_KEY, set()).add(match.match_id)
        self.queue_event(match.match_id, join=presence_of(session))

    def _remove(self, session: WsSession, match: RelayedMatch) -> None:
        match.members.pop(session.session_id, None)
        session.data.get(_KEY, set()).discard(match.match_id)
        if not match.members:
            self.matches.pop(match.match_id, None)
        self.queue_event(match.match_id, leave=presence_of(session))

    def queue_event(self, match_id: str, join: dict[str, Any] | None = None,
                    leave: dict[str, Any] | None = None) -> None:
        """Queue a join/leave for the next ``match_presence_event`` batch of ``match_id``."""
        self._presence.add(match_id, join, leave)

    def _send_presence_event(self, match_id: str, joins: list[dict[str, Any]],
                             leaves: list[dict[str, Any]]) -> None:
        event: dict[str, Any] = {"match_id": match_id}
        if joins:
            event["joins"] = joins
        if leaves:
            event["leaves"] = leaves
        for member in self.members_of(match_id):
            member.send({"match_presence_event": event})

    def members_of(self, match_id: str) -> list[WsSession]:
        """The sessions currently in a match (relayed or authoritative)."""
        match = self.matches.get(match_id)
        if match is not None:
            return list(match.members.values())
        if self.authoritative is not None:
            return self.authoritative.members_of(match_id)
        return []

    def session_closed(self, session: WsSession) -> None:
        """A disconnect leaves every match the session was in."""
        for match_id in list(session.data.get(_KEY, ())):
            match = self.matches.get(match_id)
            if match is not None:
                self._remove(session, match)
            elif self.authoritative is not None:
                self.authoritative.leave(session, match_id)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def _match_body(match_id: str, size: int, presences: list[dict[str, Any]], session: WsSession,
                **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"match_id": match_id, **extra}
    if size:
        body["size"] = size
    if presences:
        body["presences"] = presences
    body["self"] = presence_of(session)
    return body


def data_body(match_id: str, sender: dict[str, Any] | None, op_code: int, data: bytes,
              reliable: bool) -> dict[str, Any]:
    """The ``match_data`` push body, defaults left out (``op_code`` 0, empty ``data``, false ``reliable``)."""
    body: dict[str, Any] = {"match_id": match_id}
    if sender is not None:
        body["presence"] = sender
    if op_code:
        body["op_code"] = str(op_code)
    if data:
        body["data"] = base64.b64encode(data).decode("ascii")
    if reliable:
        body["reliable"] = True
    return body


def install(hub: Hub) -> None:
    registry = MatchRegistry(hub)
    hub.matches = registry  # type: ignore[attr-defined]
    hub.session_closed_hooks.append(registry.session_closed)

    @hub.ws_handler("match_create", {"name": "string"})
    def _create(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        return {"match": registry.create(session, msg.get("name", ""))}

    @hub.ws_handler("match_join", {"match_id": "string", "token": "string", "metadata": "map_ss"})
    def _join(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        metadata = msg.get("metadata") or {}
        if msg.get("match_id"):
            return {"match": registry.join(session, msg["match_id"], metadata=metadata)}
        if msg.get("token"):
            return {"match": registry.join_token(session, msg["token"], metadata)}
        raise WsFailure(BAD_INPUT, "No match ID or token found")

    @hub.ws_handler("match_leave", {"match_id": "string"})
    def _leave(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        registry.leave(session, msg.get("match_id", ""))
        return {}

    @hub.ws_handler("match_data_send", {"match_id": "string", "op_code": "int64", "data": "bytes",
                                        "presences": "presences", "reliable": "bool"})
    def _data(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        try:
            registry.send_data(session, msg.get("match_id", ""), msg.get("op_code", 0), msg.get("data", b""),
                               msg.get("presences") or [], msg.get("reliable", False))
        except WsFailure as failure:
            session.error(None, failure.code, failure.message)  # errors here come without a cid
