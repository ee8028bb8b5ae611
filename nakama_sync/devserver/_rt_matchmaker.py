"""The matchmaker: tickets, interval ticks, ``matchmaker_matched`` pushes (see
https://heroiclabs.com/docs/nakama/concepts/multiplayer/matchmaker/).

How a tick works (every ``config.matchmaker_interval_sec``; the dev server's simplified form of
Nakama's ``processDefault``):

1. the stats snapshot is taken (ticket count and oldest ticket, before this tick's matches leave);
2. each *active* ticket, oldest first, counts one more interval. Its last interval is the one that
   reaches ``matchmaker_max_intervals`` (or the first one when ``min_count == max_count``); after its
   last interval a ticket stops searching but stays in the pool, where other tickets can still find it;
3. the ticket searches the pool: tickets not matched yet, sharing no session with it, not of its party,
   with ``min_count >= its min_count`` and ``max_count <= its max_count``, whose properties match its
   query (see :mod:`._mm_query`), best rank first, then oldest first;
4. candidates are added while the total stays within every member's ``max_count``; the group is a
   match as soon as it is full (the smallest ``max_count``), or, on the ticket's last interval, at the
   largest size reached that meets every ``min_count`` and every ``count_multiple``;
5. every session of a matched group gets its own ``matchmaker_matched`` (its own ticket, a shared match
   token, all users, itself) and the matched tickets are removed.

The token is an HS256 JWT signed with ``config.encryption_key``, claims ``{"exp": now+30,
"mid": "<uuid4>."}``; ``match_join {token}`` (``_rt_match.py``) creates that relayed match. When server
code registered a matchmaker-matched hook (``_runtime_hooks.py``) and it returns a match id, the
event carries ``match_id`` instead of ``token``.

Limits: ``config.matchmaker_max_tickets`` (3) per session (party tickets count for every member) and per
party. A session's tickets go when it closes; a party's when its membership changes (``_rt_party.py``).
State lives in ``hub.matchmaker`` and is touched only from the loop thread.
"""
from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from . import _jwt
from ._http import ApiRequest
from ._mm_query import Query, QueryError, parse_query
from ._ws import WsFailure, WsSession, presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["Matchmaker", "Ticket", "TooManyTickets", "install", "validate_counts"]

_COMPLETIONS_KEPT = 10
_MM_FIELDS = {"min_count": "int32", "max_count": "int32", "query": "string", "string_properties": "map_ss",
              "numeric_properties": "map_sd", "count_multiple": "Int32Value"}


class TooManyTickets(Exception):
    """A session or party already holds ``matchmaker_max_tickets`` tickets."""

    def __init__(self) -> None:
        super().__init__("matchmaker too many tickets")


@dataclass
class Ticket:
    """One matchmaker ticket: a solo session, or a whole party (``party_id`` set)."""

    ticket: str
    presences: list[dict[str, Any]]     # wire UserPresences, one per session in the ticket
    party_id: str
    query_text: str
    min_count: int
    max_count: int
    count_multiple: int
    string_properties: dict[str, str]
    numeric_properties: dict[str, float]
    create_ns: int
    intervals: int = 0
    active: bool = True
    query: Query | None = field(default=None, repr=False)
    query_error: bool = False

    @property
    def count(self) -> int:
        return len(self.presences)

    @property
    def session_ids(self) -> set[str]:
        return {p["session_id"] for p in self.presences}


def format_ns(ns: int) -> str:
    """Unix nanoseconds as RFC 3339 UTC with 9 fractional digits (Nakama's fresh in-memory times)."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}Z"


def wire_number(value: float) -> Any:
    """A double as protojson writes it: integral values without ``.0``, NaN/Infinity as strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def validate_counts(msg: dict[str, Any]) -> tuple[int, int, int, str]:
    """Check ``min_count``/``max_count``/``count_multiple`` as Nakama does; returns them and the query."""
    min_count = int(msg.get("min_count", 0))
    if min_count < 2:
        raise WsFailure(3, "Invalid minimum count, must be >= 2")
    max_count = int(msg.get("max_count", 0))
    if max_count < min_count:
        raise WsFailure(3, "Invalid maximum count, must be >= minimum count")
    count_multiple = 1
    if msg.get("count_multiple") is not None:
        count_multiple = int(msg["count_multiple"])
        if count_multiple < 1:
            raise WsFailure(3, "Invalid count multiple, must be >= 1")
        if min_count % count_multiple != 0:
            raise WsFailure(3, "Invalid count multiple for minimum count, must divide")
        if max_count % count_multiple != 0:
            raise WsFailure(3, "Invalid count multiple for maximum count, must divide")
    return min_count, max_count, count_multiple, msg.get("query") or "*"


class Matchmaker:
    """The ticket pool (``hub.matchmaker``). Loop thread only."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.tickets: dict[str, Ticket] = {}                 # insertion order = creation order
        self.session_tickets: dict[str, set[str]] = {}
        self.party_tickets: dict[str, set[str]] = {}
        self.completions: list[tuple[int, int]] = []        # (create_ns, complete_ns), oldest first
        self.snapshot_count = 0
        self.snapshot_oldest_ns = 0
        self._timer: asyncio.TimerHandle | None = None

    # ---- tickets ------------------------------------------------------------------------
    def add(self, presences: list[dict[str, Any]], party_id: str, query: str, min_count: int, max_count: int,
            count_multiple: int, string_properties: dict[str, str],
            numeric_properties: dict[str, float]) -> Ticket:
        """Add a ticket for ``presences`` (one session, or every party member). Raises TooManyTickets."""
        limit = self.hub.config.matchmaker_max_tickets
        for presence in presences:
            if len(self.session_tickets.get(presence["session_id"], ())) >= limit:
                raise TooManyTickets()
        if party_id and len(self.party_tickets.get(party_id, ())) >= limit:
            raise TooManyTickets()
        ticket = Ticket(str(uuid.uuid4()), [dict(p) for p in presences], party_id, query, min_count, max_count,
                        count_multiple, dict(string_properties), dict(numeric_properties), time.time_ns())
        try:
            ticket.query = parse_query(query)
        except QueryError:
            ticket.query_error = True   # accepted, as Nakama does; it just never searches
        self.tickets[ticket.ticket] = ticket
        for sid in ticket.session_ids:
            self.session_tickets.setdefault(sid, set()).add(ticket.ticket)
        if party_id:
            self.party_tickets.setdefault(party_id, set()).add(ticket.ticket)
        return ticket

    def _drop(self, ticket: Ticket) -> None:
        self.tickets.pop(ticket.ticket, None)
        for sid in ticket.session_ids:
            owned = self.session_tickets.get(sid)
            if owned is not None:
                owned.discard(ticket.ticket)
                if not owned:
                    del self.session_tickets[sid]
        if ticket.party_id:
            owned = self.party_tickets.get(ticket.party_id)
            if owned is not None:
                owned.discard(ticket.ticket)
                if not owned:
                    del self.party_tickets[ticket.party_id]

    def remove_session_ticket(self, session_id: str, ticket_id: str) -> bool:
        """Remove a solo ticket the session owns; False when there is no such ticket."""
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.party_id or session_id not in ticket.session_ids:
            return False
        self._drop(ticket)
        return True

    def remove_party_ticket(self, party_id: str, ticket_id: str) -> bool:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.party_id != party_id:
            return False
        self._drop(ticket)
        return True

    def remove_session_all(self, session_id: str) -> None:
        """Drop the session's solo tickets (its party's tickets go with the party membership change)."""
        for ticket_id in list(self.session_tickets.get(session_id, ())):
            ticket = self.tickets.get(ticket_id)
            if ticket is not None and not ticket.party_id:
                self._drop(ticket)

    def remove_party_all(self, party_id: str) -> None:
        for ticket_id in list(self.party_tickets.get(party_id, ())):
            ticket = self.tickets.get(ticket_id)
            if ticket is not None:
                self._drop(ticket)

    # ---- stats --------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """The MatchmakerStats reply (counts as of the last tick, zero values left out)."""
        out: dict[str, Any] = {}
        if self.snapshot_count:
            out["ticket_count"] = self.snapshot_count
        if self.snapshot_oldest_ns:
            out["oldest_ticket_create_time"] = format_ns(self.snapshot_oldest_ns)
        if self.completions:
            out["completions"] = [{"create_time": format_ns(c), "complete_time": format_ns(d)}
                                  for c, d in self.completions]
        return out

    # ---- ticking ------------------------------------------------------------------------
    def start(self) -> None:
        loop = asyncio.get_event_loop()
        self._timer = loop.call_later(self.hub.config.matchmaker_interval_sec, self._tick)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        if self.hub.shutting_down:
            return
        try:
            self.process()
        except Exception:
            self.hub.log.exception("matchmaker tick failed")
        self.start()

    def process(self) -> list[list[Ticket]]:
        """Run one matchmaker interval now; returns the matched groups (also pushed to their sessions)."""
        self.snapshot_count = len(self.tickets)
        self.snapshot_oldest_ns = min((t.create_ns for t in self.tickets.values()), default=0)
        max_intervals = self.hub.config.matchmaker_max_intervals
        matched: set[str] = set()
        groups: list[list[Ticket]] = []
        for ticket in list(self.tickets.values()):
            if not ticket.active or ticket.ticket in matched:
                continue
            ticket.intervals += 1
            last = ticket.intervals >= max_intervals or ticket.min_count == ticket.max_count
            if last:
                ticket.active = False
            if ticket.query is None:
                continue
            group = self._search(ticket, matched, last)
            if group:
                matched.update(t.ticket for t in group)
                groups.append(group)
        now_ns = time.time_ns()
        for group in groups:
            for ticket in group:
                self._drop(ticket)
                self.completions.append((ticket.create_ns, now_ns))
            self._announce(group)
        del self.completions[:-_COMPLETIONS_KEPT]
        return groups

    def _search(self, ticket: Ticket, matched: set[str], last: bool) -> list[Ticket] | None:
        assert ticket.query is not None
        own_sessions = ticket.session_ids
        ranked: list[tuple[float, int, Ticket]] = []
        for other in self.tickets.values():
            if other is ticket or other.ticket in matched:
                continue
            if ticket.party_id and other.party_id == ticket.party_id:
                continue
            if other.min_count < ticket.min_count or other.max_count > ticket.max_count:
                continue
            if own_sessions & other.session_ids:
                continue
            score = ticket.query.score(other.string_properties, other.numeric_properties)
            if score is None:
                continue
            ranked.append((-score, other.create_ns, other))
        ranked.sort(key=lambda item: (item[0], item[1]))
        group = [ticket]
        sessions = set(own_sessions)
        total = ticket.count
        settle: list[Ticket] | None = None
        for _, _, other in ranked:
            cap = min(t.max_count for t in group + [other])
            if total + other.count > cap or sessions & other.session_ids:
                continue
            group.append(other)
            sessions |= other.session_ids
            total += other.count
            if _settles(group, total):
                if total == cap:
                    return group
                settle = list(group)
        return settle if last else None

    def _announce(self, group: list[Ticket]) -> None:
        users: list[tuple[Ticket, dict[str, Any]]] = []
        for ticket in group:
            for presence in ticket.presences:
                user: dict[str, Any] = {"presence": presence}
                if ticket.party_id:
                    user["party_id"] = ticket.party_id
                if ticket.string_properties:
                    user["string_properties"] = ticket.string_properties
                if ticket.numeric_properties:
                    user["numeric_properties"] = {k: wire_number(v) for k, v in ticket.numeric_properties.items()}
                users.append((ticket, user))
        wire_users = [u for _, u in users]
        # server code may create a match for the group (_runtime_hooks.py): then its id replaces the token
        runtime = getattr(self.hub, "runtime", None)
        match_id = runtime.matchmaker_matched(self._entries(group)) if runtime is not None else None
        if match_id is not None:
            id_field = {"match_id": match_id}
        else:
            claims = {"exp": int(time.time()) + 30, "mid": f"{uuid.uuid4()}."}
            id_field = {"token": _jwt.encode(claims, self.hub.config.encryption_key)}
        for ticket, user in users:
            session = self.hub.sessions.get(user["presence"]["session_id"])
            if session is None:
                continue
            session.send({"matchmaker_matched": {"ticket": ticket.ticket, **id_field, "users": wire_users,
                                                 "self": user}})

    def _entries(self, group: list[Ticket]) -> list[dict[str, Any]]:
        """The matched users as Nakama's runtime sees them (presence with node, merged properties)."""
        return [{"presence": {**presence, "node": self.hub.config.node},
                 "properties": {**ticket.string_properties, **ticket.numeric_properties},
                 **({"party_id": ticket.party_id} if ticket.party_id else {})}
                for ticket in group for presence in ticket.presences]


def _settles(group: list[Ticket], total: int) -> bool:
    """May ``group`` be matched below its maximum size (a last-interval match)?"""
    if total < max(t.min_count for t in group) or total > min(t.max_count for t in group):
        return False
    return all(total % t.count_multiple == 0 for t in group)


def install(hub: Hub) -> None:
    """Matchmaker socket messages, the stats route, the tick timer and the session-closed cleanup."""
    mm = Matchmaker(hub)
    hub.matchmaker = mm  # type: ignore[attr-defined]

    @hub.ws_handler("matchmaker_add", _MM_FIELDS)
    def _add(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        min_count, max_count, count_multiple, query = validate_counts(msg)
        try:
            ticket = mm.add([presence_of(session)], "", query, min_count, max_count, count_multiple,
                            msg.get("string_properties") or {}, msg.get("numeric_properties") or {})
        except TooManyTickets as exc:
            raise WsFailure(0, "Error adding to matchmaker") from exc
        return {"matchmaker_ticket": {"ticket": ticket.ticket}}

    @hub.ws_handler("matchmaker_remove", {"ticket": "string"})
    def _remove(session: WsSession, msg: dict[str, Any], cid: str | None) -> dict[str, Any]:
        ticket = msg.get("ticket", "")
        if not ticket:
            raise WsFailure(3, "Invalid matchmaker ticket")
        if not mm.remove_session_ticket(session.session_id, ticket):
            raise WsFailure(3, "Matchmaker ticket not found")
        return {}

    def _stats(req: ApiRequest) -> dict[str, Any]:
        return mm.stats()

    hub.routes.add("GET", "/v2/matchmaker/stats", _stats, auth="bearer")
    hub.session_closed_hooks.append(lambda session: mm.remove_session_all(session.session_id))
    mm.start()
