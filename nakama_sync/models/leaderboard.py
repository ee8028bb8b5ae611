"""Models: leaderboards and tournaments (see nakama_sync.models).

Record lists page with ``next_cursor`` (and ``prev_cursor``); :func:`nakama_sync.paging.items` follows
``next_cursor``.
"""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any, ClassVar

from ._base import Model, model, wire_field

__all__ = [
    "LeaderboardRecord",
    "LeaderboardRecordList",
    "Operator",
    "SortOrder",
    "Tournament",
    "TournamentList",
    "TournamentRecordList",
]


class Operator(IntEnum):
    """How a write combines with the stored score. Example: ``operator=Operator.INCREMENT``

    ``NO_OVERRIDE`` (0) uses the leaderboard's own operator.
    """

    NO_OVERRIDE = 0
    BEST = 1
    SET = 2
    INCREMENT = 3
    DECREMENT = 4


class SortOrder(IntEnum):
    """Leaderboard sort orders (``Tournament.sort_order``). Example: ``t.sort_order == SortOrder.DESCENDING``"""

    ASCENDING = 0
    DESCENDING = 1


@model
class LeaderboardRecord(Model):
    """One owner's score on a leaderboard or tournament; ``rank`` starts at 1.

    Example: ``rec = client.write_leaderboard_record(session, "weekly", 100)``
    Thread safety: immutable; any thread may read it.
    """

    leaderboard_id: str = ""
    owner_id: str = ""
    username: str = ""
    score: int = 0
    subscore: int = 0
    num_score: int = 0
    metadata: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    create_time: datetime | None = None
    update_time: datetime | None = None
    expiry_time: datetime | None = None
    rank: int = 0
    max_num_score: int = 0


@model
class LeaderboardRecordList(Model):
    """One page of records; ``owner_records`` holds the records of the ``owner_ids`` asked for.

    Example: ``top = client.list_leaderboard_records(session, "weekly", limit=10).records``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "records"
    _cursor: ClassVar[str] = "next_cursor"
    records: list[LeaderboardRecord] = wire_field(default_factory=list)
    owner_records: list[LeaderboardRecord] = wire_field(default_factory=list)
    next_cursor: str = ""
    prev_cursor: str = ""
    rank_count: int = 0


@model
class Tournament(Model):
    """A tournament: a leaderboard with a schedule, an optional size limit and join requirement.

    ``end_active``/``next_reset``/``start_active``/``prev_reset`` are unix seconds.
    Example: ``[t.id for t in client.list_tournaments(session).tournaments if t.can_enter]``
    Thread safety: immutable; any thread may read it.
    """

    id: str = ""
    title: str = ""
    description: str = ""
    category: int = 0
    sort_order: SortOrder = SortOrder.ASCENDING
    size: int = 0
    max_size: int = 0
    max_num_score: int = 0
    can_enter: bool = False
    end_active: int = 0
    next_reset: int = 0
    metadata: dict[str, Any] = wire_field(json_text=True, default_factory=dict)
    create_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int = 0
    start_active: int = 0
    prev_reset: int = 0
    operator: Operator = Operator.NO_OVERRIDE
    authoritative: bool = False
    join_required: bool = False


@model
class TournamentList(Model):
    """One page of tournaments.

    Example: ``page = client.list_tournaments(session, category_start=0, category_end=10)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "tournaments"
    tournaments: list[Tournament] = wire_field(default_factory=list)
    cursor: str = ""


@model
class TournamentRecordList(Model):
    """One page of tournament records (same shape as :class:`LeaderboardRecordList`).

    Example: ``page = client.list_tournament_records(session, "cup", limit=10)``
    Thread safety: immutable; any thread may read it.
    """

    _items: ClassVar[str] = "records"
    _cursor: ClassVar[str] = "next_cursor"
    records: list[LeaderboardRecord] = wire_field(default_factory=list)
    owner_records: list[LeaderboardRecord] = wire_field(default_factory=list)
    next_cursor: str = ""
    prev_cursor: str = ""
    rank_count: int = 0
