"""Models: the matchmaker and parties (see nakama_sync.models; Nakama's guides:
https://heroiclabs.com/docs/nakama/concepts/multiplayer/matchmaker/ and
https://heroiclabs.com/docs/nakama/concepts/parties/).

Every model is immutable; any thread may read it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ._base import Model, model, wire_field
from .realtime import UserPresence

__all__ = [
    "MatchmakerCompletionStats",
    "MatchmakerMatched",
    "MatchmakerStats",
    "MatchmakerTicket",
    "MatchmakerUser",
    "Party",
    "PartyClose",
    "PartyData",
    "PartyJoinRequest",
    "PartyLeader",
    "PartyList",
    "PartyMatchmakerTicket",
    "PartyPresenceEvent",
    "PartyUpdate",
]


@model
class MatchmakerTicket(Model):
    """The ticket of a matchmaker request (reply to ``add_matchmaker``).

    Example: ``ticket = socket.add_matchmaker("+properties.mode:duel", 2, 2); ticket.ticket``
    """

    ticket: str = ""


@model
class MatchmakerUser(Model):
    """One matched player: its presence, its party (if matched as a party) and its ticket's properties.

    Example: ``[u.presence.username for u in matched.users]``
    """

    presence: UserPresence | None = None
    party_id: str = ""
    string_properties: dict[str, str] = wire_field(default_factory=dict)
    numeric_properties: dict[str, float] = wire_field(default_factory=dict)


@model
class MatchmakerMatched(Model):
    """The matchmaker found a match (signal ``received_matchmaker_matched``).

    ``ticket`` is this player's own ticket; ``token`` (or ``match_id`` when a server hook picked an
    authoritative match) is what ``socket.join_match(...)`` takes; ``users`` lists everyone matched,
    ``self_presence`` is this player's entry. Example::

        def on_matched(sender, event):
            match = sender.join_match(token=event.token) if event.token else sender.join_match(event.match_id)
    """

    ticket: str = ""
    match_id: str = ""
    token: str = ""
    users: list[MatchmakerUser] = wire_field(default_factory=list)
    self_presence: MatchmakerUser | None = wire_field(name="self", default=None)


@model
class Party(Model):
    """A party: the reply to ``create_party``, and the ``received_party`` event when you join one.

    ``label`` is the party's JSON label, parsed (``{}`` when none, and in pushes, which leave it out);
    ``leader`` and ``presences`` are the leader and every member, oldest first; ``self_presence`` is you.
    Also the item type of :class:`PartyList` (``GET /v2/party``: id, open, hidden, max_size, label).
    Example: ``party = socket.create_party(open=True, max_size=4); party.party_id``
    """

    party_id: str = ""
    open: bool = False
    hidden: bool = False
    max_size: int = 0
    self_presence: UserPresence | None = wire_field(name="self", default=None)
    leader: UserPresence | None = None
    presences: list[UserPresence] = wire_field(default_factory=list)
    label: dict[str, Any] = wire_field(json_text=True, default_factory=dict)


@model
class PartyPresenceEvent(Model):
    """Members joined or left a party (signal ``received_party_presence``); you get your own join too.

    Example: ``for p in event.joins: print(p.username, "joined")``
    """

    party_id: str = ""
    joins: list[UserPresence] = wire_field(default_factory=list)
    leaves: list[UserPresence] = wire_field(default_factory=list)


@model
class PartyLeader(Model):
    """The party has a new leader (signal ``received_party_leader``), after a promotion or a leader leaving.

    Example: ``if event.presence.session_id == my_session_id: print("I lead now")``
    """

    party_id: str = ""
    presence: UserPresence | None = None


@model
class PartyData(Model):
    """Data another member sent to the party (signal ``received_party_data``); never your own.

    Example: ``def on_data(sender, event): print(event.presence.username, event.op_code, event.data)``
    """

    party_id: str = ""
    presence: UserPresence | None = None
    op_code: int = 0
    data: bytes = b""


@model
class PartyClose(Model):
    """The party was closed by its leader, or you were removed from it (signal ``received_party_close``).

    Example: ``def on_close(sender, event): parties.discard(event.party_id)``
    """

    party_id: str = ""


@model
class PartyJoinRequest(Model):
    """Players asking to join a closed party: a push to the leader (signal ``received_party_join_request``)
    and the reply to ``list_party_join_requests``.

    Example: ``for p in event.presences: socket.accept_party_member(event.party_id, p)``
    """

    party_id: str = ""
    presences: list[UserPresence] = wire_field(default_factory=list)


@model
class PartyMatchmakerTicket(Model):
    """The party's matchmaker ticket: the reply to ``add_matchmaker_party`` (for the leader) and a push to
    the other members (signal ``received_party_matchmaker_ticket``).

    Example: ``ticket = socket.add_matchmaker_party(party_id, "*", 2, 4); ticket.ticket``
    """

    party_id: str = ""
    ticket: str = ""


@model
class PartyUpdate(Model):
    """The leader changed the party's label, open or hidden flags. Delivered on ``received_party``
    (nakama-sync has no separate signal for it): check ``isinstance(event, PartyUpdate)``.

    Example: ``if isinstance(event, PartyUpdate): print(event.label)``
    """

    party_id: str = ""
    label: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    open: bool = False
    hidden: bool = False


@model
class PartyList(Model):
    """A page of listed parties (``client.list_parties``); pass ``cursor`` back for the next page.

    Example: ``page = client.list_parties(session, limit=10, open=True)``
    """

    parties: list[Party] = wire_field(default_factory=list)
    cursor: str = ""


@model
class MatchmakerCompletionStats(Model):
    """When one matched ticket was made and when it was matched.

    Example: ``(c.complete_time - c.create_time).total_seconds()``
    """

    create_time: datetime | None = None
    complete_time: datetime | None = None


@model
class MatchmakerStats(Model):
    """Server-wide matchmaker numbers as of its last interval (``client.get_matchmaker_stats``).

    Example: ``stats = client.get_matchmaker_stats(session); stats.ticket_count``
    """

    ticket_count: int = 0
    oldest_ticket_create_time: datetime | None = None
    completions: list[MatchmakerCompletionStats] = wire_field(default_factory=list)
