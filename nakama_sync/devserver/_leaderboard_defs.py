"""Leaderboard and tournament definitions for the dev server (kept in memory, declared at startup).

As in Nakama, leaderboards and tournaments are created by server code (``DevServer.create_leaderboard``,
``DevServer.create_tournament``, or the ``--config`` file of ``python -m nakama_sync.devserver``);
creating one that exists is a no-op. Records live in SQLite (``_http_leaderboards.py``).

Reset schedules are simplified: a 5-field UTC cron (see ``_cron.py``). A resetting leaderboard keeps
each period's records under that period's expiry time; listings show the current period unless
``expiry`` names another. A tournament is active from ``start_time`` for ``duration`` seconds, or, with
a schedule, from each reset for ``duration`` seconds, until ``end_time``. No end/reset callbacks.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import InvalidArgument
from ._cron import Cron

__all__ = ["BoardDef", "make_board"]

_SORT = {"asc": 0, "ascending": 0, "desc": 1, "descending": 1}
# our names -> the API enum (1 best, 2 set, 3 incr, 4 decr)
_OPERATORS = {"best": 1, "set": 2, "incr": 3, "increment": 3, "decr": 4, "decrement": 4}


@dataclass
class BoardDef:
    """One leaderboard (``tournament=False``) or tournament."""

    id: str
    sort_order: int = 1
    operator: int = 1
    reset_schedule: str = ""
    metadata: str = "{}"
    authoritative: bool = False
    create_time: float = field(default_factory=time.time)
    tournament: bool = False
    title: str = ""
    description: str = ""
    category: int = 0
    start_time: int = 0
    end_time: int = 0
    duration: int = 0
    max_size: int = 0
    max_num_score: int = 1000000
    join_required: bool = False
    enable_ranks: bool = False
    cron: Cron | None = None

    # ---- periods ------------------------------------------------------------------------------
    def expiry_at(self, now: float) -> int:
        """The expiry time of the records written at ``now`` (0 = never)."""
        if self.cron is not None:
            nxt = self.cron.next_after(now)
            return min(nxt, self.end_time) if self.end_time else nxt
        return self.end_time if self.tournament else 0

    def active_window(self, now: float) -> tuple[int, int, int, int]:
        """(start_active, end_active, prev_reset, next_reset) of a tournament at ``now``."""
        prev_reset = next_reset = 0
        if self.cron is not None:
            next_reset = self.cron.next_after(now)
            try:
                prev_reset = max(self.cron.prev_at_or_before(now), self.start_time)
            except ValueError:
                prev_reset = self.start_time
            start = max(prev_reset, self.start_time)
            if now < self.start_time:
                start = self.start_time
        else:
            start = self.start_time
        end = start + self.duration
        if self.end_time:
            end = min(end, self.end_time)
        return start, end, prev_reset, next_reset

    def is_active(self, now: float) -> bool:
        start, end, _, _ = self.active_window(now)
        return start <= now < end


def make_board(board_id: str, *, sort_order: str | int = "desc", operator: str | int = "best",
               reset_schedule: str | None = None, metadata: dict[str, Any] | str | None = None,
               authoritative: bool = False, tournament: bool = False, title: str = "", description: str = "",
               category: int = 0, start_time: int = 0, end_time: int = 0, duration: int = 0,
               max_size: int = 0, max_num_score: int = 0, join_required: bool = False,
               enable_ranks: bool = False) -> BoardDef:
    """Validate the options (raising InvalidArgument, a ValueError) and build a :class:`BoardDef`."""
    if not isinstance(board_id, str) or not board_id or len(board_id) > 128:
        raise InvalidArgument("leaderboard id must be a non-empty string of at most 128 characters")
    order = _SORT.get(sort_order, None) if isinstance(sort_order, str) else sort_order
    if order not in (0, 1):
        raise InvalidArgument(f"sort_order must be 'asc' or 'desc', not {sort_order!r}")
    op = _OPERATORS.get(operator, None) if isinstance(operator, str) else operator
    if op not in (1, 2, 3, 4):
        raise InvalidArgument(f"operator must be best, set, incr or decr, not {operator!r}")
    meta = metadata if isinstance(metadata, str) else json.dumps(metadata or {}, separators=(",", ":"))
    if not isinstance(json.loads(meta), dict):
        raise InvalidArgument("metadata must be a JSON object")
    cron = Cron(reset_schedule) if reset_schedule else None
    if tournament:
        if duration <= 0:
            raise InvalidArgument("a tournament needs a duration > 0 (seconds)")
        if not start_time:
            start_time = int(time.time())
        if end_time and end_time <= start_time:
            raise InvalidArgument("end_time must be after start_time")
        if not 0 <= category <= 127:
            raise InvalidArgument("category must be between 0 and 127")
    return BoardDef(id=board_id, sort_order=order, operator=op, reset_schedule=reset_schedule or "",
                    metadata=meta, authoritative=authoritative, tournament=tournament, title=title,
                    description=description, category=category, start_time=start_time, end_time=end_time,
                    duration=duration, max_size=max_size, max_num_score=max_num_score or 1000000,
                    join_required=join_required, enable_ranks=bool(enable_ranks), cron=cron)
