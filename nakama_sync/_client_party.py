"""Client methods: party listing and matchmaker stats (a mixin of Client; see _client_base for the contract)."""
from __future__ import annotations

from ._client_args import checked
from ._client_base import _ClientBase, nowait
from .models.party import MatchmakerStats, PartyList
from .session import Session

__all__ = ["_PartyApi"]


class _PartyApi(_ClientBase):
    @checked
    def list_parties(self, session: Session, limit: int | None = None, open: bool | None = None,
                     query: str | None = None, cursor: str | None = None) -> PartyList:
        """A page of listed (not hidden) parties (server default: 10, at most 100).

        ``open`` filters on open/closed; ``query`` searches the labels, e.g. ``"+label.mode:coop"``;
        pass ``page.cursor`` back as ``cursor`` for the next page. A real Nakama indexes parties in the
        background, so one made a moment ago may not be listed yet.
        Example: ``page = client.list_parties(session, limit=10, open=True, query="+label.mode:coop")``
        Thread: any thread; blocks on one HTTP request.
        """
        params = {"limit": limit, "open": open, "query": query, "cursor": cursor}
        return PartyList.from_wire(self._call("GET", "/v2/party", session, query=params))
    list_parties_nowait = nowait(list_parties)

    @checked
    def get_matchmaker_stats(self, session: Session) -> MatchmakerStats:
        """Server-wide matchmaker numbers as of its last interval: ticket count, oldest ticket, and the
        last 10 completions.

        Example: ``print(client.get_matchmaker_stats(session).ticket_count)``
        Thread: any thread; blocks on one HTTP request.
        """
        return MatchmakerStats.from_wire(self._call("GET", "/v2/matchmaker/stats", session))
    get_matchmaker_stats_nowait = nowait(get_matchmaker_stats)
