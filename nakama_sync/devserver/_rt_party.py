"""Parties: create, join (open or by request), leave, promote, accept, remove, close, data, update, and
party matchmaking (see https://heroiclabs.com/docs/nakama/concepts/parties/), plus ``GET /v2/party``.

Reply and push order follows what a real Nakama 3.40 sent (transcripts/party.json): e.g. the creator
gets the ``party`` reply, then an extra ``party`` push without cid or label, then its own
``party_presence_event``. Handlers that must order a reply before pushes send the reply themselves
(``session.reply``) and return ``None``.

``GET /v2/party`` reads a listing index that, as Nakama's, takes in creates, label updates and ends in
batches once a second (``party.label_update_interval_ms``): a new party is listed up to a second later.
Like Nakama 3.40, a party created with ``max_size`` 0 never leaves the listing (Nakama never ends it).
Difference from Nakama, on purpose: pending join requests of a closed socket are dropped.
State lives in ``hub.parties`` (a :class:`PartyRegistry`), loop thread only.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._http import ApiFailure, ApiRequest
from ._mm_query import QueryError, label_fields, parse_query
from ._rt_matchmaker import TooManyTickets, validate_counts
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["Party", "PartyRegistry", "install"]

_LABEL_MAX_BYTES = 2048
_INDEX_INTERVAL_SEC = 1.0   # Nakama's party.label_update_interval_ms
_PRESENCE_KEYS = ("user_id", "session_id", "username")


class _PartyError(Exception):
    """A party handler failure: becomes error 3 ``"<verb>: <reason>"``."""


@dataclass
class Party:
    party_id: str
    open: bool
    hidden: bool
    max_size: int
    label: str
    members: list[dict[str, Any]] = field(default_factory=list)        # oldest first
    leader: dict[str, Any] | None = None
    join_requests: list[dict[str, Any]] = field(default_factory=list)
    create_ns: int = 0

    def member_index(self, presence: dict[str, Any]) -> int:
        for i, member in enumerate(self.members):
            if all(member[k] == presence.get(k) for k in _PRESENCE_KEYS):
                return i
        return -1

    def request_index(self, presence: dict[str, Any]) -> int:
        for i, request in enumerate(self.join_requests):
            if all(request[k] == presence.get(k) for k in _PRESENCE_KEYS):
                return i
        return -1

    def has_session(self, session_id: str) -> bool:
        return any(m["session_id"] == session_id for m in self.members)

    def is_leader(self, session_id: str) -> bool:
        return self.leader is not None and self.leader["session_id"] == session_id

    def wire(self, self_presence: dict[str, Any], *, with_label: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"party_id": self.party_id}
        if self.open:
            out["open"] = True
        if self.hidden and with_label:
            out["hidden"] = True
        if self.max_size:
            out["max_size"] = self.max_size
        out["self"] = self_presence
        if self.leader is not None:
            out["leader"] = self.leader
        if self.members:
            out["presences"] = list(self.members)
        if with_label and self.label:
            out["label"] = self.label
        return out


def _go_json_error(text: str) -> str | None:
    """``None`` for a JSON object; else an error text shaped like Go's encoding/json."""
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return "unexpected end of JSON input"
    first = stripped[0]
    if first not in '{["-0123456789tfn':
        return f"invalid character '{first}' looking for beginning of value"
    for literal in ("null", "true", "false"):
        if first == literal[0]:
            for i, expected in enumerate(literal):
                if i >= len(stripped):
                    return "unexpected end of JSON input"
                if stripped[i] != expected:
                    return f"invalid character '{stripped[i]}' in literal {literal} (expecting '{expected}')"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg}"
    if value is None:
        return None     # Go unmarshals null into a map as nil, without an error
    if not isinstance(value, dict):
        kind = {list: "array", str: "string", bool: "bool"}.get(type(value), "number")
        return f"json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    return None


def _check_label(label: str, verb: str) -> None:
    if len(label.encode("utf-8")) > _LABEL_MAX_BYTES:
        raise WsFailure(3, f"{verb}: party label too long")
    if label:
        problem = _go_json_error(label)
        if problem is not None:
            raise WsFailure(3, f"{verb}: failed to unmarshal party label: {problem}")


def _check_party_id(party_id: str) -> None:
    head, dot, _node = party_id.partition(".")
    if not dot:
        raise WsFailure(3, "Invalid party ID")
    try:
        uuid.UUID(head)
    except ValueError as exc:
        raise WsFailure(3, "Invalid party ID") from exc


def _check_presence(presence: dict[str, Any] | None) -> dict[str, Any]:
    if not presence or not all(presence.get(k) for k in _PRESENCE_KEYS):
        raise WsFailure(3, "Invalid presence")
    return {k: presence[k] for k in _PRESENCE_KEYS}


class PartyRegistry:
    """Every live party (``hub.parties``). Loop thread only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.parties: dict[str, Party] = {}
        self.index: dict[str, dict[str, Any]] = {}                # what GET /v2/party lists, by party id
        self._pending: dict[str, dict[str, Any] | None] = {}     # index changes not applied yet
        self._flush_timer: asyncio.TimerHandle | None = None

    # ---- the listing index ------------------------------------------------------------------
    def reindex(self, party: Party, ended: bool = False) -> None:
        """Queue the party's listing entry (or its removal) for the next index batch."""
        if ended and party.max_size == 0:
            return  # Nakama 3.40 never ends such a party: it stays listed
        self._pending[party.party_id] = None if ended else {
            "entry": _list_entry(party), "hidden": party.hidden, "open": party.open, "label": party.label,
            "create_ns": party.create_ns}
        if self._flush_timer is None:
            self._flush_timer = asyncio.get_running_loop().call_later(_INDEX_INTERVAL_SEC, self._flush)

    def _flush(self) -> None:
        self._flush_timer = None
        pending, self._pending = self._pending, {}
        for party_id, row in pending.items():
            if row is None:
                self.index.pop(party_id, None)
            else:
                self.index[party_id] = row

    def get(self, party_id: str) -> Party:
        party = self.parties.get(party_id)
        if party is None:
            raise _PartyError("party not found")
        return party

    def send(self, presences: list[dict[str, Any]], envelope: dict[str, Any]) -> None:
        for presence in presences:
            session = self.hub.sessions.get(presence["session_id"])
            if session is not None:
                session.send(envelope)

    def _membership_changed(self, party: Party) -> None:
        self.hub.matchmaker.remove_party_all(party.party_id)  # type: ignore[attr-defined]

    def end(self, party: Party) -> None:
        self.parties.pop(party.party_id, None)
        self.reindex(party, ended=True)
        self.hub.matchmaker.remove_party_all(party.party_id)  # type: ignore[attr-defined]

    def add_member(self, party: Party, presence: dict[str, Any]) -> None:
        party.members.append(presence)
        self._membership_changed(party)

    def leave(self, party: Party, session_id: str) -> bool:
        """Drop the member with ``session_id`` and tell the others; False when it was not a member."""
        for i, member in enumerate(party.members):
            if member["session_id"] == session_id:
                break
        else:
            return False
        leaver = party.members.pop(i)
        if not party.members:
            self.end(party)
            return True
        if party.is_leader(session_id):
            party.leader = party.members[0]
            self.send(party.members, {"party_leader": {"party_id": party.party_id, "presence": party.leader}})
        self.send(party.members, {"party_presence_event": {"party_id": party.party_id, "leaves": [leaver]}})
        self._membership_changed(party)
        return True

    def session_closed(self, session: WsSession) -> None:
        for party in list(self.parties.values()):
            party.join_requests = [r for r in party.join_requests if r["session_id"] != session.session_id]
            self.leave(party, session.session_id)

    def listing(self, req: ApiRequest) -> dict[str, Any]:
        limit = req.q_int("limit", 10)
        if limit is None or not 1 <= limit <= 100:
            raise ApiFailure(3, "Invalid limit - limit must be between 1 and 100.")
        open_filter = req.q_bool("open")
        query_text = req.q("query") or ""
        # Nakama answers every failure of its party listing (a cursor it cannot read or that was made
        # for other parameters, a query it cannot parse) with the same internal error
        failed = ApiFailure(13, "Error listing matches.")
        offset = 0
        cursor = req.q("cursor") or ""
        if cursor:
            try:
                fields = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            except (ValueError, TypeError, RecursionError) as exc:
                raise failed from exc
            if not (isinstance(fields, list) and len(fields) == 4 and type(fields[0]) is int and fields[0] >= 0
                    and fields[1:] == [query_text, limit, open_filter]):
                raise failed
            offset = fields[0]
        query = None
        if query_text:
            try:
                query = parse_query(query_text)
            except QueryError as exc:
                raise failed from exc
        found = []
        for row in sorted(self.index.values(), key=lambda r: r["create_ns"]):
            if row["hidden"] or (open_filter is not None and row["open"] != open_filter):
                continue
            if query is not None and query.score(*label_fields(row["label"]), prefix="label.") is None:
                continue
            found.append(row)
        page = found[offset:offset + limit]
        out: dict[str, Any] = {}
        if page:
            out["parties"] = [dict(row["entry"]) for row in page]
        if offset + limit < len(found):
            fields = [offset + limit, query_text, limit, open_filter]   # the next page of the same listing
            out["cursor"] = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
        return out


def _list_entry(party: Party) -> dict[str, Any]:
    out: dict[str, Any] = {"party_id": party.party_id}
    if party.open:
        out["open"] = True
    if party.hidden:
        out["hidden"] = True
    if party.max_size:
        out["max_size"] = party.max_size
    out["label"] = party.label or "{}"
    return out


def install(hub: Hub) -> None:
    """Party socket messages, the listing route and the disconnect cleanup."""
    reg = PartyRegistry(hub)
    hub.parties = reg  # type: ignore[attr-defined]
    hub.session_closed_hooks.append(reg.session_closed)

    def lookup(msg: dict[str, Any], verb: str) -> Party:
        party_id = msg.get("party_id", "")
        _check_party_id(party_id)
        try:
            return reg.get(party_id)
        except _PartyError as exc:
            raise WsFailure(3, f"{verb}: {exc}") from exc

    def leader_only(party: Party, session: WsSession, verb: str) -> None:
        if not party.is_leader(session.session_id):
            raise WsFailure(3, f"{verb}: party leader only")

    @hub.ws_handler("party_create", {"open": "bool", "max_size": "int32", "label": "string", "hidden": "bool"})
    def _create(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        max_size = int(msg.get("max_size", 0))
        if not 0 <= max_size <= 256:
            raise WsFailure(3, "Invalid party max size, must be 1-256")
        label = msg.get("label", "")
        _check_label(label, "Error creating party")
        me = presence_of(session)
        party = Party(f"{uuid.uuid4()}.{hub.config.node}", bool(msg.get("open")), bool(msg.get("hidden")),
                      max_size, label, members=[me], leader=me, create_ns=time.time_ns())
        reg.parties[party.party_id] = party
        reg.reindex(party)
        session.reply(cid, {"party": party.wire(me, with_label=True)})
        if max_size:
            session.send({"party": party.wire(me, with_label=False)})
        session.send({"party_presence_event": {"party_id": party.party_id, "joins": [me]}})

    @hub.ws_handler("party_join", {"party_id": "string"})
    def _join(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        verb = "Error joining party"
        party = lookup(msg, verb)
        me = presence_of(session)
        if party.has_session(session.session_id):
            raise WsFailure(3, f"{verb}: party join request already member")
        if len(party.members) >= party.max_size:
            raise WsFailure(3, f"{verb}: party full")
        if party.open:
            reg.add_member(party, me)
            session.reply(cid, {})
            session.send({"party": party.wire(me, with_label=False)})
            reg.send(party.members, {"party_presence_event": {"party_id": party.party_id, "joins": [me]}})
            return
        if party.request_index(me) >= 0:
            raise WsFailure(3, f"{verb}: party join request duplicate")
        if len(party.join_requests) >= party.max_size:
            raise WsFailure(3, f"{verb}: party join requests full")
        party.join_requests.append(me)
        if party.leader is not None:
            reg.send([party.leader], {"party_join_request": {"party_id": party.party_id, "presences": [me]}})
        session.reply(cid, {})

    @hub.ws_handler("party_leave", {"party_id": "string"})
    def _leave(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        party_id = msg.get("party_id", "")
        _check_party_id(party_id)
        party = reg.parties.get(party_id)
        if party is not None:
            reg.leave(party, session.session_id)
        return {}

    @hub.ws_handler("party_promote", {"party_id": "string", "presence": "presence"})
    def _promote(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        target = _check_presence(msg.get("presence"))
        verb = "Error promoting new party leader"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        i = party.member_index(target)
        if i < 0:
            raise WsFailure(3, f"{verb}: party member not found")
        party.leader = party.members[i]
        reg.send(party.members, {"party_leader": {"party_id": party.party_id, "presence": party.leader}})
        return {}

    @hub.ws_handler("party_accept", {"party_id": "string", "presence": "presence"})
    def _accept(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        target = _check_presence(msg.get("presence"))
        verb = "Error accepting party join request"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        if len(party.members) >= party.max_size:
            raise WsFailure(3, f"{verb}: party full")
        i = party.request_index(target)
        if i < 0:
            raise WsFailure(3, f"{verb}: party join request not found")
        joiner = party.join_requests.pop(i)
        reg.add_member(party, joiner)
        reg.send([joiner], {"party": party.wire(joiner, with_label=False)})
        session.reply(cid, {})
        reg.send(party.members, {"party_presence_event": {"party_id": party.party_id, "joins": [joiner]}})

    @hub.ws_handler("party_remove", {"party_id": "string", "presence": "presence"})
    def _remove(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        target = _check_presence(msg.get("presence"))
        verb = "Error removing party member or join request"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        if target["session_id"] == session.session_id:
            raise WsFailure(3, f"{verb}: party cannot remove self")
        i = party.member_index(target)
        if i < 0:
            j = party.request_index(target)
            if j < 0:
                raise WsFailure(3, f"{verb}: party member not found")
            party.join_requests.pop(j)
            session.reply(cid, {})
            return
        removed = party.members.pop(i)
        session.reply(cid, {})
        reg.send([removed], {"party_close": {"party_id": party.party_id}})
        reg.send(party.members, {"party_presence_event": {"party_id": party.party_id, "leaves": [removed]}})
        reg._membership_changed(party)

    @hub.ws_handler("party_close", {"party_id": "string"})
    def _close(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        verb = "Error closing party"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        reg.send(party.members, {"party_close": {"party_id": party.party_id}})
        reg.end(party)
        return {}

    @hub.ws_handler("party_join_request_list", {"party_id": "string"})
    def _requests(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        verb = "Error listing party join requests"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        body: dict[str, Any] = {"party_id": msg["party_id"]}
        if party.join_requests:
            body["presences"] = list(party.join_requests)
        return {"party_join_request": body}

    @hub.ws_handler("party_matchmaker_add", {"party_id": "string", "min_count": "int32", "max_count": "int32",
                                             "query": "string", "string_properties": "map_ss",
                                             "numeric_properties": "map_sd", "count_multiple": "Int32Value"})
    def _mm_add(session: WsSession, msg: dict[str, Any], cid: str | None) -> None:
        min_count, max_count, count_multiple, query = validate_counts(msg)
        verb = "Error adding party to matchmaker"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        try:
            ticket = hub.matchmaker.add(  # type: ignore[attr-defined]
                list(party.members), party.party_id, query, min_count, max_count, count_multiple,
                msg.get("string_properties") or {}, msg.get("numeric_properties") or {})
        except TooManyTickets as exc:
            raise WsFailure(3, f"{verb}: {exc}") from exc
        body = {"party_matchmaker_ticket": {"party_id": msg["party_id"], "ticket": ticket.ticket}}
        session.reply(cid, body)
        reg.send([m for m in party.members if m["session_id"] != session.session_id], body)

    @hub.ws_handler("party_matchmaker_remove", {"party_id": "string", "ticket": "string"})
    def _mm_remove(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        if not msg.get("ticket"):
            raise WsFailure(3, "Invalid matchmaker ticket")
        verb = "Error closing party"   # sic: Nakama's pipeline uses this text here
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        if not hub.matchmaker.remove_party_ticket(party.party_id, msg["ticket"]):  # type: ignore[attr-defined]
            raise WsFailure(3, f"{verb}: matchmaker ticket not found")
        return {}

    @hub.ws_handler("party_data_send", {"party_id": "string", "op_code": "int64", "data": "bytes"})
    def _data(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        verb = "Error sending party data"
        party = lookup(msg, verb)
        if not party.has_session(session.session_id):
            raise WsFailure(3, f"{verb}: party member not found")
        out: dict[str, Any] = {"party_id": party.party_id, "presence": presence_of(session)}
        if msg.get("op_code"):
            out["op_code"] = str(msg["op_code"])
        if msg.get("data"):
            out["data"] = base64.b64encode(msg["data"]).decode("ascii")
        reg.send([m for m in party.members if m["session_id"] != session.session_id], {"party_data": out})
        return {}

    @hub.ws_handler("party_update", {"party_id": "string", "label": "string", "open": "bool", "hidden": "bool"})
    def _update(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        verb = "Error updating party"
        party = lookup(msg, verb)
        leader_only(party, session, verb)
        label = msg.get("label", "")
        _check_label(label, verb)
        party.label, party.open, party.hidden = label, bool(msg.get("open")), bool(msg.get("hidden"))
        reg.reindex(party)
        out: dict[str, Any] = {"party_id": party.party_id}
        if label:
            out["label"] = label
        if party.open:
            out["open"] = True
        if party.hidden:
            out["hidden"] = True
        reg.send(party.members, {"party_update": out})
        return {}

    hub.routes.add("GET", "/v2/party", reg.listing, auth="bearer")
