"""Client methods: leaderboards and tournaments (a mixin of Client; see _client_base for the contract).

Writes are never retried automatically: an increment sent twice would count twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from . import _wire
from ._client_args import checked
from ._client_base import _ClientBase, _quote, nowait
from .exceptions import InvalidArgumentType
from .models.leaderboard import (
    LeaderboardRecord,
    LeaderboardRecordList,
    Operator,
    TournamentList,
    TournamentRecordList,
)
from .session import Session

__all__ = ["_LeaderboardApi"]


def _record_body(score: int, subscore: int | None, metadata: Mapping[str, Any] | str | None,
                 operator: Operator | int | None) -> dict[str, Any]:
    if isinstance(score, bool) or not isinstance(score, int):
        raise InvalidArgumentType(f"score must be an int, not {type(score).__name__}")
    body: dict[str, Any] = {"score": str(score)}
    if subscore is not None:
        if isinstance(subscore, bool) or not isinstance(subscore, int):
            raise InvalidArgumentType(f"subscore must be an int, not {type(subscore).__name__}")
        body["subscore"] = str(subscore)
    if metadata is not None:
        body["metadata"] = _wire.json_text(metadata)
    if operator is not None:
        body["operator"] = int(operator)
    return body


def _owner_ids(owner_ids: str | Iterable[str] | None) -> list[str] | None:
    if owner_ids is None:
        return None
    return [owner_ids] if isinstance(owner_ids, str) else list(owner_ids)


def _unix(value: int | datetime | None) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


class _LeaderboardApi(_ClientBase):
    # ---- leaderboards -----------------------------------------------------------------------
    @checked
    def write_leaderboard_record(self, session: Session, leaderboard_id: str, score: int,
                                 subscore: int | None = None, metadata: Mapping[str, Any] | str | None = None,
                                 operator: Operator | int | None = None) -> LeaderboardRecord:
        """Submit a score; ``operator`` (see ``Operator``) overrides the leaderboard's own.

        Example: ``rec = client.write_leaderboard_record(session, "weekly", 1200, metadata={"map": 3})``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _record_body(score, subscore, metadata, operator)
        data = self._call("POST", f"/v2/leaderboard/{_quote(leaderboard_id)}", session, body=body, retry=False)
        return LeaderboardRecord.from_wire(data)
    write_leaderboard_record_nowait = nowait(write_leaderboard_record)

    @checked
    def list_leaderboard_records(self, session: Session, leaderboard_id: str,
                                 owner_ids: str | Iterable[str] | None = None, limit: int | None = None,
                                 cursor: str | None = None, expiry: int | datetime | None = None
                                 ) -> LeaderboardRecordList:
        """One page of records by rank; ``owner_ids`` also fills ``owner_records``. ``expiry`` (unix
        seconds) picks a past period of a resetting leaderboard.

        Example: ``top10 = client.list_leaderboard_records(session, "weekly", limit=10).records``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"owner_ids": _owner_ids(owner_ids), "limit": limit, "cursor": cursor or None,
                 "expiry": _unix(expiry)}
        data = self._call("GET", f"/v2/leaderboard/{_quote(leaderboard_id)}", session, query=query)
        return LeaderboardRecordList.from_wire(data)
    list_leaderboard_records_nowait = nowait(list_leaderboard_records)

    @checked
    def list_leaderboard_records_around_owner(self, session: Session, leaderboard_id: str,
                                              owner_id: str | None = None, limit: int | None = None,
                                              expiry: int | datetime | None = None, cursor: str | None = None
                                              ) -> LeaderboardRecordList:
        """The records ranked around ``owner_id`` (default: you), ``limit`` of them.

        Example: ``near = client.list_leaderboard_records_around_owner(session, "weekly", limit=5).records``
        Thread: any thread; blocks on one HTTP request.
        """
        owner = owner_id if owner_id is not None else session.user_id
        query = {"limit": limit, "expiry": _unix(expiry), "cursor": cursor or None}
        data = self._call("GET", f"/v2/leaderboard/{_quote(leaderboard_id)}/owner/{_quote(owner)}", session,
                          query=query)
        return LeaderboardRecordList.from_wire(data)
    list_leaderboard_records_around_owner_nowait = nowait(list_leaderboard_records_around_owner)

    @checked
    def delete_leaderboard_record(self, session: Session, leaderboard_id: str) -> None:
        """Delete your record on a leaderboard.

        Example: ``client.delete_leaderboard_record(session, "weekly")``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("DELETE", f"/v2/leaderboard/{_quote(leaderboard_id)}", session)
    delete_leaderboard_record_nowait = nowait(delete_leaderboard_record)

    # ---- tournaments ------------------------------------------------------------------------
    @checked
    def list_tournaments(self, session: Session, category_start: int | None = None,
                         category_end: int | None = None, start_time: int | datetime | None = None,
                         end_time: int | datetime | None = None, limit: int | None = None,
                         cursor: str | None = None) -> TournamentList:
        """One page of tournaments, filtered by category range and start/end times (unix seconds).

        Example: ``open_cups = client.list_tournaments(session, category_start=1, category_end=1)``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"category_start": category_start, "category_end": category_end,
                 "start_time": _unix(start_time), "end_time": _unix(end_time), "limit": limit,
                 "cursor": cursor or None}
        return TournamentList.from_wire(self._call("GET", "/v2/tournament", session, query=query))
    list_tournaments_nowait = nowait(list_tournaments)

    @checked
    def join_tournament(self, session: Session, tournament_id: str) -> None:
        """Join a tournament (needed before writing when it has ``join_required``).

        Example: ``client.join_tournament(session, "cup")``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("POST", f"/v2/tournament/{_quote(tournament_id)}/join", session)
    join_tournament_nowait = nowait(join_tournament)

    @checked
    def write_tournament_record(self, session: Session, tournament_id: str, score: int,
                                subscore: int | None = None, metadata: Mapping[str, Any] | str | None = None,
                                operator: Operator | int | None = None) -> LeaderboardRecord:
        """Submit a score to an active tournament.

        Example: ``rec = client.write_tournament_record(session, "cup", 30, operator=Operator.INCREMENT)``
        Thread: any thread; blocks on one HTTP request.
        """
        body = _record_body(score, subscore, metadata, operator)
        data = self._call("PUT", f"/v2/tournament/{_quote(tournament_id)}", session, body=body, retry=False)
        return LeaderboardRecord.from_wire(data)
    write_tournament_record_nowait = nowait(write_tournament_record)

    @checked
    def list_tournament_records(self, session: Session, tournament_id: str,
                                owner_ids: str | Iterable[str] | None = None, limit: int | None = None,
                                cursor: str | None = None, expiry: int | datetime | None = None
                                ) -> TournamentRecordList:
        """One page of a tournament's records by rank.

        Example: ``page = client.list_tournament_records(session, "cup", limit=10)``
        Thread: any thread; blocks on one HTTP request.
        """
        query = {"owner_ids": _owner_ids(owner_ids), "limit": limit, "cursor": cursor or None,
                 "expiry": _unix(expiry)}
        data = self._call("GET", f"/v2/tournament/{_quote(tournament_id)}", session, query=query)
        return TournamentRecordList.from_wire(data)
    list_tournament_records_nowait = nowait(list_tournament_records)

    @checked
    def list_tournament_records_around_owner(self, session: Session, tournament_id: str,
                                             owner_id: str | None = None, limit: int | None = None,
                                             expiry: int | datetime | None = None, cursor: str | None = None
                                             ) -> TournamentRecordList:
        """The tournament records ranked around ``owner_id`` (default: you).

        Example: ``near = client.list_tournament_records_around_owner(session, "cup", limit=3)``
        Thread: any thread; blocks on one HTTP request.
        """
        owner = owner_id if owner_id is not None else session.user_id
        query = {"limit": limit, "expiry": _unix(expiry), "cursor": cursor or None}
        data = self._call("GET", f"/v2/tournament/{_quote(tournament_id)}/owner/{_quote(owner)}", session,
                          query=query)
        return TournamentRecordList.from_wire(data)
    list_tournament_records_around_owner_nowait = nowait(list_tournament_records_around_owner)

    @checked
    def delete_tournament_record(self, session: Session, tournament_id: str) -> None:
        """Delete your record in a tournament.

        Example: ``client.delete_tournament_record(session, "cup")``
        Thread: any thread; blocks on one HTTP request.
        """
        self._call("DELETE", f"/v2/tournament/{_quote(tournament_id)}", session)
    delete_tournament_record_nowait = nowait(delete_tournament_record)
