"""Socket requests for the matchmaker and parties: ``_PartyRequests``, a base of :class:`Socket` built on
:class:`~nakama_sync._socket_requests.RequestMethods` (its contract).

Every request has a blocking method (waits for the server's reply, raises :class:`SocketError` on an
error reply, :class:`RequestTimeout`, :class:`ConnectionClosed`) and a ``_nowait`` twin returning a
:class:`SocketFuture`; the blocking method is exactly ``self.<name>_nowait(...).result()``. Arguments
are checked before anything is sent (``TypeError``/``ValueError``), because the server closes the
socket on a malformed message instead of answering it.

Their pushed events (routed by ``_socket_codec.EVENTS``; signal: model):

- ``received_matchmaker_matched``: :class:`MatchmakerMatched`;
- ``received_party``: :class:`Party` when you are in a party (after ``join_party`` of an open party,
  after the leader accepted you, and once more for the creator right after ``create_party``, since
  Nakama pushes the party again), and :class:`PartyUpdate` when the leader changed label/open/hidden
  (``party_update`` pushes; there is no separate signal for them);
- ``received_party_close`` :class:`PartyClose`, ``received_party_data`` :class:`PartyData`,
  ``received_party_join_request`` :class:`PartyJoinRequest` (leader only), ``received_party_leader``
  :class:`PartyLeader`, ``received_party_matchmaker_ticket`` :class:`PartyMatchmakerTicket` (members
  other than the leader), ``received_party_presence`` :class:`PartyPresenceEvent`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from . import _wire
from ._socket_args import _int32, _presence, _text
from ._socket_requests import RequestMethods
from .exceptions import InvalidArgument, InvalidArgumentType
from .models.party import (
    MatchmakerTicket,
    Party,
    PartyJoinRequest,
    PartyMatchmakerTicket,
)
from .models.realtime import UserPresence

if TYPE_CHECKING:
    from ._future import SocketFuture

__all__ = ["_PartyRequests"]

T = TypeVar("T")


_INT32_MAX = 2**31 - 1
_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1


def _label(value: Any) -> str:
    """A party label: a dict (encoded as JSON), JSON object text, or None (no label)."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return _wire.dumps(dict(value))
    if isinstance(value, str):
        return value
    raise InvalidArgumentType(f"label must be a dict, a JSON object string or None, not {type(value).__name__}")


def _matchmaker_body(query: str, min_count: int, max_count: int, string_properties: Mapping[str, str] | None,
                     numeric_properties: Mapping[str, float] | None, count_multiple: int | None) -> dict[str, Any]:
    body: dict[str, Any] = {"min_count": _int32("min_count", min_count),
                            "max_count": _int32("max_count", max_count),
                            "query": _text("query", query, allow_empty=True)}
    if string_properties:
        if not isinstance(string_properties, Mapping):
            raise InvalidArgumentType("string_properties must be a dict of str to str")
        for key, value in string_properties.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise InvalidArgumentType(f"string_properties[{key!r}] must be a str (use numeric_properties for numbers)")
        body["string_properties"] = dict(string_properties)
    if numeric_properties:
        if not isinstance(numeric_properties, Mapping):
            raise InvalidArgumentType("numeric_properties must be a dict of str to number")
        numbers: dict[str, Any] = {}
        for name, number in numeric_properties.items():
            if not isinstance(name, str) or isinstance(number, bool) or not isinstance(number, (int, float)):
                raise InvalidArgumentType(f"numeric_properties[{name!r}] must be an int or a float")
            numbers[name] = number if math.isfinite(number) else str(number).replace("inf", "Infinity").replace(
                "nan", "NaN")
        body["numeric_properties"] = numbers
    if count_multiple is not None:
        body["count_multiple"] = _int32("count_multiple", count_multiple)
    return body


class _PartyRequests(RequestMethods):
    """Matchmaker and party requests of :class:`Socket` (see the module docstring)."""

    # ---- matchmaker -------------------------------------------------------------------------
    def add_matchmaker_nowait(self, query: str = "*", min_count: int = 2, max_count: int = 8,
                              string_properties: Mapping[str, str] | None = None,
                              numeric_properties: Mapping[str, float] | None = None,
                              count_multiple: int | None = None) -> SocketFuture[MatchmakerTicket]:
        """Like :meth:`add_matchmaker`, returning a SocketFuture. Example:
        ``fut = socket.add_matchmaker_nowait("*", 2, 2)``. Any thread."""
        body = _matchmaker_body(query, min_count, max_count, string_properties, numeric_properties, count_multiple)
        return self._request("matchmaker_add", body, MatchmakerTicket, "matchmaker_ticket")

    def add_matchmaker(self, query: str = "*", min_count: int = 2, max_count: int = 8,
                       string_properties: Mapping[str, str] | None = None,
                       numeric_properties: Mapping[str, float] | None = None,
                       count_multiple: int | None = None) -> MatchmakerTicket:
        """Look for opponents: returns the ticket; ``received_matchmaker_matched`` fires on a match.

        ``query`` searches the other tickets' properties (``+properties.region:eu
        +properties.rank:>=10``); the match has between ``min_count`` and ``max_count`` players, a
        multiple of ``count_multiple`` if given. Nakama matches on its interval (15 s by default), so the
        event comes later. At most 3 tickets per socket (``SocketError`` code 0 beyond).
        To wait less while developing, shorten the interval: on the dev server
        ``DevServer(matchmaker_interval_sec=1)`` or ``python -m nakama_sync.devserver
        --matchmaker-interval-sec 1``; on a real Nakama its ``matchmaker.interval_sec`` setting
        (see https://heroiclabs.com/docs/nakama/getting-started/configuration/#matchmaker).
        Blocks until the ticket comes back, at most the socket's ``request_timeout``.
        Example: ``ticket = socket.add_matchmaker("+properties.mode:duel", 2, 2, {"mode": "duel"})``.
        Any thread but the socket's reader thread.
        """
        return self.add_matchmaker_nowait(query, min_count, max_count, string_properties, numeric_properties,
                                          count_multiple).result()

    def remove_matchmaker_nowait(self, ticket: str) -> SocketFuture[None]:
        """Like :meth:`remove_matchmaker`, returning a SocketFuture. Any thread.

        Example: ``future = socket.remove_matchmaker_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("matchmaker_remove", {"ticket": _text("ticket", ticket)})

    def remove_matchmaker(self, ticket: str) -> None:
        """Withdraw a ticket. An unknown or already matched ticket raises SocketError (code 3).

        Example: ``socket.remove_matchmaker(ticket.ticket)``. Any thread but the reader thread.
        """
        return self.remove_matchmaker_nowait(ticket).result()

    # ---- parties ----------------------------------------------------------------------------
    def create_party_nowait(self, open: bool, max_size: int, label: Mapping[str, Any] | str | None = None,
                            hidden: bool = False) -> SocketFuture[Party]:
        """Like :meth:`create_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.create_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        body: dict[str, Any] = {"open": bool(open), "max_size": _int32("max_size", max_size, 1)}
        text = _label(label)
        if text:
            body["label"] = text
        if hidden:
            body["hidden"] = True
        return self._request("party_create", body, Party, "party")

    def create_party(self, open: bool, max_size: int, label: Mapping[str, Any] | str | None = None,
                     hidden: bool = False) -> Party:
        """Create a party you lead. ``open``: anyone may join, else the leader accepts join requests.

        ``max_size`` counts members (1–256); ``label`` is a dict (or JSON object text) that
        ``client.list_parties(query="+label.<key>:<value>")`` can search; ``hidden`` keeps it unlisted.
        Example: ``party = socket.create_party(open=True, max_size=4, label={"mode": "coop"})``.
        Any thread but the reader thread.
        """
        return self.create_party_nowait(open, max_size, label, hidden).result()

    def join_party_nowait(self, party_id: str) -> SocketFuture[None]:
        """Like :meth:`join_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.join_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_join", {"party_id": _text("party_id", party_id)})

    def join_party(self, party_id: str) -> None:
        """Join an open party, or ask to join a closed one. ``received_party`` fires once you are in
        (for a closed party: only if the leader accepts; a refusal sends nothing).

        Example: ``socket.join_party(party_id)``. Any thread but the reader thread.
        """
        return self.join_party_nowait(party_id).result()

    def leave_party_nowait(self, party_id: str) -> SocketFuture[None]:
        """Like :meth:`leave_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.leave_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_leave", {"party_id": _text("party_id", party_id)})

    def leave_party(self, party_id: str) -> None:
        """Leave a party (a leader leaving hands over to the oldest member). Example:
        ``socket.leave_party(party_id)``. Any thread but the reader thread."""
        return self.leave_party_nowait(party_id).result()

    def promote_party_member_nowait(self, party_id: str, presence: UserPresence) -> SocketFuture[None]:
        """Like :meth:`promote_party_member`, returning a SocketFuture. Any thread.

        Example: ``future = socket.promote_party_member_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_promote", {"party_id": _text("party_id", party_id),
                                               "presence": _presence(presence)})

    def promote_party_member(self, party_id: str, presence: UserPresence) -> None:
        """Leader only: make another member the leader (``received_party_leader`` for everyone).

        Example: ``socket.promote_party_member(party_id, event.joins[0])``. Any thread but the reader.
        """
        return self.promote_party_member_nowait(party_id, presence).result()

    def accept_party_member_nowait(self, party_id: str, presence: UserPresence) -> SocketFuture[None]:
        """Like :meth:`accept_party_member`, returning a SocketFuture. Any thread.

        Example: ``future = socket.accept_party_member_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_accept", {"party_id": _text("party_id", party_id),
                                              "presence": _presence(presence)})

    def accept_party_member(self, party_id: str, presence: UserPresence) -> None:
        """Leader only: let in a player who asked to join (from ``received_party_join_request``).

        Example: ``socket.accept_party_member(event.party_id, event.presences[0])``. Any thread but reader.
        """
        return self.accept_party_member_nowait(party_id, presence).result()

    def remove_party_member_nowait(self, party_id: str, presence: UserPresence) -> SocketFuture[None]:
        """Like :meth:`remove_party_member`, returning a SocketFuture. Any thread.

        Example: ``future = socket.remove_party_member_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_remove", {"party_id": _text("party_id", party_id),
                                              "presence": _presence(presence)})

    def remove_party_member(self, party_id: str, presence: UserPresence) -> None:
        """Leader only: kick a member (it gets ``received_party_close``) or quietly refuse a join request.

        Example: ``socket.remove_party_member(party_id, presence)``. Any thread but the reader thread.
        """
        return self.remove_party_member_nowait(party_id, presence).result()

    def close_party_nowait(self, party_id: str) -> SocketFuture[None]:
        """Like :meth:`close_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.close_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_close", {"party_id": _text("party_id", party_id)})

    def close_party(self, party_id: str) -> None:
        """Leader only: end the party (``received_party_close`` for every member, you included).

        Example: ``socket.close_party(party_id)``. Any thread but the reader thread.
        """
        return self.close_party_nowait(party_id).result()

    def list_party_join_requests_nowait(self, party_id: str) -> SocketFuture[PartyJoinRequest]:
        """Like :meth:`list_party_join_requests`, returning a SocketFuture. Any thread.

        Example: ``future = socket.list_party_join_requests_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_join_request_list", {"party_id": _text("party_id", party_id)},
                             PartyJoinRequest, "party_join_request")

    def list_party_join_requests(self, party_id: str) -> PartyJoinRequest:
        """Leader only: the players waiting to join. Example:
        ``for p in socket.list_party_join_requests(pid).presences: ...``. Any thread but the reader."""
        return self.list_party_join_requests_nowait(party_id).result()

    def update_party_nowait(self, party_id: str, open: bool, label: Mapping[str, Any] | str | None = None,
                            hidden: bool = False) -> SocketFuture[None]:
        """Like :meth:`update_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.update_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        body: dict[str, Any] = {"party_id": _text("party_id", party_id), "open": bool(open)}
        text = _label(label)
        if text:
            body["label"] = text
        if hidden:
            body["hidden"] = True
        return self._request("party_update", body)

    def update_party(self, party_id: str, open: bool, label: Mapping[str, Any] | str | None = None,
                     hidden: bool = False) -> None:
        """Leader only: set open, label and hidden (all three are replaced); every member gets a
        :class:`PartyUpdate` on ``received_party``.

        Example: ``socket.update_party(party_id, open=False, label={"mode": "ranked"})``. Any thread but reader.
        """
        return self.update_party_nowait(party_id, open, label, hidden).result()

    def send_party_data_nowait(self, party_id: str, op_code: int, data: bytes | str = b"") -> SocketFuture[None]:
        """Like :meth:`send_party_data`, returning a SocketFuture. Any thread.

        Example: ``future = socket.send_party_data_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        if isinstance(op_code, bool) or not isinstance(op_code, int):
            raise InvalidArgumentType(f"op_code must be an int, not {type(op_code).__name__}")
        if not _INT64_MIN <= op_code <= _INT64_MAX:
            raise InvalidArgument("op_code must fit in 64 bits")
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidArgumentType(f"data must be bytes or str, not {type(data).__name__}")
        body: dict[str, Any] = {"party_id": _text("party_id", party_id), "op_code": str(op_code)}
        if data:
            body["data"] = _wire.b64encode(bytes(data))
        return self._request("party_data_send", body)

    def send_party_data(self, party_id: str, op_code: int, data: bytes | str = b"") -> None:
        """Send ``data`` (bytes; str is UTF-8 encoded) to the other members (``received_party_data``).

        Unlike match data, the server acknowledges it, so this waits for the ack.
        Example: ``socket.send_party_data(party_id, 1, b"ready")``. Any thread but the reader thread.
        """
        return self.send_party_data_nowait(party_id, op_code, data).result()

    def add_matchmaker_party_nowait(self, party_id: str, query: str = "*", min_count: int = 2,
                                    max_count: int = 8, string_properties: Mapping[str, str] | None = None,
                                    numeric_properties: Mapping[str, float] | None = None,
                                    count_multiple: int | None = None) -> SocketFuture[PartyMatchmakerTicket]:
        """Like :meth:`add_matchmaker_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.add_matchmaker_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        body = {"party_id": _text("party_id", party_id),
                **_matchmaker_body(query, min_count, max_count, string_properties, numeric_properties,
                                   count_multiple)}
        return self._request("party_matchmaker_add", body, PartyMatchmakerTicket,
                             "party_matchmaker_ticket")

    def add_matchmaker_party(self, party_id: str, query: str = "*", min_count: int = 2, max_count: int = 8,
                             string_properties: Mapping[str, str] | None = None,
                             numeric_properties: Mapping[str, float] | None = None,
                             count_multiple: int | None = None) -> PartyMatchmakerTicket:
        """Leader only: matchmake the whole party together (counts include every member). The other
        members get ``received_party_matchmaker_ticket``; everyone gets ``received_matchmaker_matched``.
        A change in membership cancels the party's tickets.

        Example: ``socket.add_matchmaker_party(party_id, "*", 4, 4)``. Any thread but the reader thread.
        """
        return self.add_matchmaker_party_nowait(party_id, query, min_count, max_count, string_properties,
                                                numeric_properties, count_multiple).result()

    def remove_matchmaker_party_nowait(self, party_id: str, ticket: str) -> SocketFuture[None]:
        """Like :meth:`remove_matchmaker_party`, returning a SocketFuture. Any thread.

        Example: ``future = socket.remove_matchmaker_party_nowait(...)``; ``future.add_done_callback(fn)`` runs ``fn`` in poll().
        """
        return self._request("party_matchmaker_remove", {"party_id": _text("party_id", party_id),
                                                         "ticket": _text("ticket", ticket)})

    def remove_matchmaker_party(self, party_id: str, ticket: str) -> None:
        """Leader only: withdraw a party ticket. Example: ``socket.remove_matchmaker_party(pid, t.ticket)``.
        Any thread but the reader thread."""
        return self.remove_matchmaker_party_nowait(party_id, ticket).result()
