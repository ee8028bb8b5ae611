"""Leaderboard and tournament records: ``/v2/leaderboard/...`` and ``/v2/tournament/...``.

Definitions come from ``_leaderboard_defs.py`` (server-side creation only, as in Nakama). Records are
rows of ``leaderboard_record`` keyed by (board, expiry, owner); ``expiry`` 0 means "never resets".
``hub.leaderboards`` is the registry (``add(BoardDef)``, ``get(id)``).
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ._apiutil import decode_cursor, encode_cursor, int_value, is_uuid, limit_param, pg_json, time_s, time_us
from ._http import (
    FAILED_PRECONDITION,
    INTERNAL,
    INVALID_ARGUMENT,
    NOT_FOUND,
    PERMISSION_DENIED,
    ApiFailure,
    ApiRequest,
)
from ._leaderboard_defs import BoardDef

if TYPE_CHECKING:
    from ._hub import Hub

MIGRATIONS = [
    """
    CREATE TABLE leaderboard_record (
        leaderboard_id TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        expiry_time INTEGER NOT NULL DEFAULT 0,
        username TEXT NOT NULL DEFAULT '',
        score INTEGER NOT NULL DEFAULT 0,
        subscore INTEGER NOT NULL DEFAULT 0,
        num_score INTEGER NOT NULL DEFAULT 0,
        metadata TEXT NOT NULL DEFAULT '{}',
        create_time REAL NOT NULL,
        update_time REAL NOT NULL,
        PRIMARY KEY (leaderboard_id, expiry_time, owner_id)
    )
    """,
]

_LB_NOT_FOUND = "Leaderboard not found."
_T_NOT_FOUND = "Tournament not found."
_BAD_LIST_CURSOR = "leaderboard cursor invalid"
_UNKNOWN = 2   # gRPC Unknown: an error Nakama returns without a status
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


class Leaderboards:
    """The definitions, by id (loop thread only)."""

    def __init__(self) -> None:
        self.boards: dict[str, BoardDef] = {}

    def add(self, board: BoardDef) -> bool:
        """Add a definition; False (and no change) when the id exists already."""
        if board.id in self.boards:
            return False
        self.boards[board.id] = board
        return True

    def get(self, board_id: str, tournament: bool) -> BoardDef | None:
        board = self.boards.get(board_id)
        if board is None or board.tournament != tournament:
            return None
        return board


def _order_sql(board: BoardDef) -> str:
    d = "DESC" if board.sort_order == 1 else "ASC"
    return f"score {d}, subscore {d}, update_time ASC, owner_id ASC"


def _rank(board: BoardDef, rank: int) -> int | None:
    """A rank from Nakama's rank cache: none (0) on a board created without ``enable_ranks``."""
    return rank if board.enable_ranks else None


def _check_not_negative(values: tuple[int, int], tournament: bool) -> None:
    """Nakama's record table refuses a negative score or subscore; the write fails as an internal error."""
    if min(values) < 0:
        raise ApiFailure(INTERNAL, "Error writing score to tournament." if tournament
                         else "Error writing score to leaderboard.")


def _record_wire(board: BoardDef, row: Any, rank: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"leaderboard_id": board.id, "owner_id": row["owner_id"], "username": row["username"]}
    if row["score"]:
        out["score"] = str(row["score"])
    if row["subscore"]:
        out["subscore"] = str(row["subscore"])
    if row["num_score"]:
        out["num_score"] = row["num_score"]
    out["metadata"] = pg_json(row["metadata"])
    out["create_time"] = time_s(row["create_time"])
    out["update_time"] = time_s(row["update_time"])
    if row["expiry_time"]:
        out["expiry_time"] = time_s(row["expiry_time"])
    if rank:
        out["rank"] = str(rank)
    out["max_num_score"] = board.max_num_score
    return out


def _better(board: BoardDef, new: tuple[int, int], old: tuple[int, int]) -> bool:
    return new > old if board.sort_order == 1 else new < old


def install(hub: Hub) -> None:
    hub.db.register("leaderboards", MIGRATIONS)
    db = hub.db
    registry = Leaderboards()
    hub.leaderboards = registry  # type: ignore[attr-defined]
    server = hub.server
    for board in list(getattr(server, "_board_defs", {}).values()):
        registry.add(board)

    # ---- helpers ------------------------------------------------------------------------------
    def board_or_404(req: ApiRequest, tournament: bool, any_kind: bool = False) -> BoardDef:
        """The board of the path; ``any_kind``: a tournament too, where Nakama's leaderboard API serves one."""
        key = "tournament_id" if tournament else "leaderboard_id"
        board = registry.boards.get(req.match_info[key]) if any_kind else registry.get(req.match_info[key], tournament)
        if board is None:
            raise ApiFailure(NOT_FOUND, _T_NOT_FOUND if tournament else _LB_NOT_FOUND)
        return board

    def period(board: BoardDef, req: ApiRequest, now: float) -> int:
        """The ``expiry`` asked for, else the current period's; a period in which no record can be
        (a negative one, say) lists nothing, as in Nakama."""
        expiry = req.q_int("expiry", kind="int64")
        return expiry if expiry else board.expiry_at(now)

    def ranked(board: BoardDef, expiry: int) -> list[Any]:
        return db.all(f"SELECT * FROM leaderboard_record WHERE leaderboard_id = ? AND expiry_time = ?"
                      f" ORDER BY {_order_sql(board)}", (board.id, expiry))

    def page(board: BoardDef, rows: list[Any], offset: int, limit: int, expiry: int,
             positional: bool = True) -> dict[str, Any]:
        """One page of records; ``positional``: ranks by position even when the board's ranks are off."""
        out: dict[str, Any] = {}
        chunk = rows[offset:offset + limit]
        if chunk:
            out["records"] = [_record_wire(board, r, offset + i + 1 if positional else _rank(board, offset + i + 1))
                              for i, r in enumerate(chunk)]
        if offset + limit < len(rows) and chunk:
            out["next_cursor"] = encode_cursor([board.id, expiry, offset + limit])
        if offset > 0 and chunk:
            out["prev_cursor"] = encode_cursor([board.id, expiry, max(0, offset - limit)])
        return out

    def cursor_offset(board: BoardDef, cursor: str | None, expiry: int) -> int:
        if not cursor:
            return 0
        board_id, cursor_expiry, offset = decode_cursor(cursor, "Cursor is invalid or expired.", (str, int, int))
        if board_id != board.id or cursor_expiry != expiry or offset < 0:
            raise ApiFailure(INVALID_ARGUMENT, "Cursor is invalid or expired.")
        return int(offset)

    def list_records(req: ApiRequest, tournament: bool) -> dict[str, Any]:
        # Nakama checks the request (limit, owner ids; a tournament in the other order) before the board
        owner_ids = req.q_all("owner_ids")
        cursor = req.q("cursor")

        def check_owners() -> None:
            if not all(is_uuid(oid) for oid in owner_ids):
                raise ApiFailure(INVALID_ARGUMENT, "One or more owner IDs are invalid.")
        if tournament:
            check_owners()
            # (sic) Nakama's default: 10 unless owner ids are given together with a cursor
            limit = limit_param(req.q_int("limit"), 10 if not owner_ids or not cursor else 0, 1, 100)
        else:
            limit = limit_param(req.q_int("limit"), 1 if not owner_ids or cursor else 0, 1, 1000)
            check_owners()
        board = board_or_404(req, tournament, any_kind=not tournament)
        now = time.time()
        expiry = period(board, req, now)
        rows = ranked(board, expiry)
        out: dict[str, Any] = {}
        if limit:
            out = page(board, rows, cursor_offset(board, cursor, expiry), limit, expiry)
        if owner_ids:
            wanted = set(owner_ids)
            owners = [_record_wire(board, r, _rank(board, i + 1)) for i, r in enumerate(rows)
                      if r["owner_id"] in wanted]
            if owners:
                out["owner_records"] = owners
        if rows and board.enable_ranks:
            out["rank_count"] = str(len(rows))
        return out

    def around_owner(req: ApiRequest, tournament: bool) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit", kind="uint32"), 100 if tournament else 1, 1, 100)
        owner = req.match_info["owner_id"]
        if not is_uuid(owner):
            raise ApiFailure(INVALID_ARGUMENT, "Invalid owner ID provided.")
        board = board_or_404(req, tournament, any_kind=not tournament)
        now = time.time()
        expiry = period(board, req, now)
        rows = ranked(board, expiry)
        cursor = req.q("cursor")
        if cursor:
            offset = cursor_offset(board, cursor, expiry)
        else:
            index = next((i for i, r in enumerate(rows) if r["owner_id"] == owner), None)
            if index is None:
                offset = 0
            else:
                offset = max(0, min(index - (limit - 1) // 2, len(rows) - limit))
        out = page(board, rows, offset, limit, expiry, positional=False)
        if rows and board.enable_ranks:
            out["rank_count"] = str(len(rows))
        return out

    def write_record(req: ApiRequest, tournament: bool) -> dict[str, Any]:
        body = req.body()
        nested = body.get("record")
        record: dict[str, Any] = nested if isinstance(nested, dict) else body
        score = int_value(record.get("score"), "score") or 0
        subscore = int_value(record.get("subscore"), "subscore") or 0
        for value in (score, subscore):
            if not _INT64[0] <= value <= _INT64[1]:
                raise ApiFailure(INVALID_ARGUMENT, "Score or subscore out of range.")
        metadata = record.get("metadata")
        if metadata is not None and metadata != "":
            try:
                parsed = json.loads(metadata) if isinstance(metadata, str) else None
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise ApiFailure(INVALID_ARGUMENT, "Metadata value must be JSON, if provided.")
        else:
            metadata = None
        # after the metadata check, as in Nakama; its leaderboard API writes to a tournament as to a
        # leaderboard (no tournament rules, the reset schedule's period), its tournament API fails on a
        # leaderboard with its catch-all error
        board = board_or_404(req, tournament, any_kind=True)
        if tournament and not board.tournament:
            raise ApiFailure(INTERNAL, "Error writing score to tournament.")
        op = record.get("operator")
        if isinstance(op, str) and not op.isdigit():
            op = {"NO_OVERRIDE": 0, "BEST": 1, "SET": 2, "INCREMENT": 3, "DECREMENT": 4}.get(op)
            if op is None:
                raise ApiFailure(INVALID_ARGUMENT, "Invalid operator.")
        op = int_value(op, "operator") or board.operator
        if op not in (1, 2, 3, 4):
            raise ApiFailure(INVALID_ARGUMENT, "Invalid operator.")
        now = time.time()
        if tournament and board.end_time and board.end_time <= now:
            raise ApiFailure(NOT_FOUND, "Tournament not found or has ended.")
        if board.authoritative and not req.authoritative:
            raise ApiFailure(PERMISSION_DENIED, "Tournament only allows authoritative score submissions."
                             if tournament else "Leaderboard only allows authoritative score submissions.")
        if tournament and not board.is_active(now):
            raise ApiFailure(FAILED_PRECONDITION, "Tournament is not active and cannot accept new scores.")
        if tournament:
            expiry = board.expiry_at(now)
        else:
            expiry = board.cron.next_after(now) if board.cron is not None else 0
        if op != 4:  # the row Nakama proposes carries the given values, even when "best" keeps the old one
            _check_not_negative((score, subscore), tournament)
        with db.transaction():
            row = db.one("SELECT * FROM leaderboard_record WHERE leaderboard_id = ? AND expiry_time = ?"
                         " AND owner_id = ?", (board.id, expiry, req.user_id))
            if row is None:
                if tournament and board.join_required:
                    raise ApiFailure(FAILED_PRECONDITION, "Must join tournament before attempting to write value.")
                if tournament and board.max_size and count(board, expiry) >= board.max_size:
                    raise ApiFailure(FAILED_PRECONDITION, "Tournament has reached max size.")
                new_score, new_sub = (-score, -subscore) if op == 4 else (score, subscore)
                if op == 4:
                    new_score, new_sub = max(new_score, 0), max(new_sub, 0)
                _check_not_negative((new_score, new_sub), tournament)
                db.execute("INSERT INTO leaderboard_record (leaderboard_id, owner_id, expiry_time, username, score,"
                           " subscore, num_score, metadata, create_time, update_time)"
                           " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                           (board.id, req.user_id, expiry, req.username, new_score, new_sub, metadata or "{}",
                            now, now))
            else:
                if tournament and row["num_score"] >= board.max_num_score:
                    raise ApiFailure(FAILED_PRECONDITION, "Reached allowed max number of score attempts.")
                old = (row["score"], row["subscore"])
                update = True
                if op == 1:
                    new = (score, subscore)
                    update = _better(board, new, old) or (row["num_score"] == 0)
                elif op == 2:
                    new = (score, subscore)
                elif op == 3:
                    new = (old[0] + score, old[1] + subscore)
                    if not all(0 <= v <= _INT64[1] for v in new):   # Postgres: bigint range, CHECK (score >= 0)
                        raise ApiFailure(INTERNAL, "Error writing score to leaderboard.")
                else:
                    new = (max(old[0] - score, 0), max(old[1] - subscore, 0))
                if update:
                    _check_not_negative(new, tournament)
                    db.execute("UPDATE leaderboard_record SET score = ?, subscore = ?, num_score = num_score + 1,"
                               " metadata = COALESCE(?, metadata), username = ?, update_time = ?"
                               " WHERE leaderboard_id = ? AND expiry_time = ? AND owner_id = ?",
                               (new[0], new[1], metadata, req.username, now, board.id, expiry, req.user_id))
        rows = ranked(board, expiry)
        for i, r in enumerate(rows):
            if r["owner_id"] == req.user_id:
                wire = _record_wire(board, r, _rank(board, i + 1))
                wire["create_time"] = time_us(r["create_time"])
                wire["update_time"] = time_us(r["update_time"])
                return wire
        return {}

    def count(board: BoardDef, expiry: int) -> int:
        return db.scalar("SELECT COUNT(*) FROM leaderboard_record WHERE leaderboard_id = ? AND expiry_time = ?",
                      (board.id, expiry))

    def delete_record(req: ApiRequest, tournament: bool) -> dict[str, Any]:
        board = registry.get(req.match_info["tournament_id" if tournament else "leaderboard_id"], tournament)
        if tournament and (board is None or board.authoritative):
            # Nakama 3.40 maps these two refusals of a tournament to its catch-all internal error
            raise ApiFailure(INTERNAL, "Error deleting score from tournament.")
        if board is None:
            raise ApiFailure(NOT_FOUND, _LB_NOT_FOUND)
        if board.authoritative:
            raise ApiFailure(PERMISSION_DENIED, "Tournament only allows authoritative score deletions."
                             if tournament else "Leaderboard only allows authoritative score deletions.")
        db.execute("DELETE FROM leaderboard_record WHERE leaderboard_id = ? AND expiry_time = ? AND owner_id = ?",
                   (board.id, board.expiry_at(time.time()), req.user_id))
        return {}

    # ---- tournaments --------------------------------------------------------------------------
    def tournament_wire(board: BoardDef, now: float) -> dict[str, Any]:
        start_active, end_active, prev_reset, next_reset = board.active_window(now)
        size = count(board, board.expiry_at(now))
        can_enter = start_active <= now < end_active and (not board.max_size or size < board.max_size)
        out: dict[str, Any] = {"id": board.id}
        fields = [("title", board.title), ("description", board.description), ("category", board.category),
                  ("sort_order", board.sort_order), ("size", size), ("max_size", board.max_size),
                  ("max_num_score", board.max_num_score), ("can_enter", can_enter), ("end_active", end_active),
                  ("next_reset", next_reset), ("metadata", pg_json(board.metadata)),
                  ("create_time", time_s(board.create_time)), ("start_time", time_s(board.start_time)),
                  ("end_time", time_s(board.end_time) if board.end_time else ""),
                  ("duration", board.duration), ("start_active", start_active), ("prev_reset", prev_reset),
                  ("operator", board.operator), ("authoritative", board.authoritative),
                  ("join_required", board.join_required)]
        for name, value in fields:
            if value:
                out[name] = value
        return out

    def list_tournaments(req: ApiRequest) -> dict[str, Any]:
        # Nakama's order: the cursor (an undecodable one fails as gRPC Unknown, HTTP 500), categories,
        # times, the limit
        after = ""
        cursor = req.q("cursor")
        if cursor:
            try:
                (after,) = decode_cursor(cursor, _BAD_LIST_CURSOR, (str,))
            except ApiFailure as exc:
                raise ApiFailure(_UNKNOWN, _BAD_LIST_CURSOR) from exc
        cat_start, cat_end = req.q_int("category_start", kind="uint32"), req.q_int("category_end", kind="uint32")
        if cat_end is not None:
            if cat_end >= 128:
                raise ApiFailure(INVALID_ARGUMENT, "Tournament category end must be >=0 and <128.")
            if cat_end < (cat_start or 0):
                raise ApiFailure(INVALID_ARGUMENT, "Tournament category end must be greater than category start.")
        start_time, end_time = req.q_int("start_time", kind="uint32"), req.q_int("end_time", kind="uint32")
        if end_time and end_time < (-1 if start_time is None else start_time):
            raise ApiFailure(INVALID_ARGUMENT, "Tournament end time must be greater than start time.")
        limit = req.q_int("limit", 100)
        if limit is None or not 1 <= limit <= 100:
            raise ApiFailure(INVALID_ARGUMENT, "Limit must be between 1 and 100.")
        chosen = []
        for board in sorted((b for b in registry.boards.values() if b.tournament), key=lambda b: b.id):
            if after and board.id <= after:
                continue
            if cat_start is not None and board.category < cat_start:
                continue
            if cat_end is not None and board.category > cat_end:
                continue
            if start_time is not None and board.start_time < start_time:
                continue
            if end_time and board.end_time and board.end_time > end_time:
                continue
            chosen.append(board)
        now = time.time()
        out: dict[str, Any] = {}
        if chosen[:limit]:
            out["tournaments"] = [tournament_wire(b, now) for b in chosen[:limit]]
        if len(chosen) > limit:
            out["cursor"] = encode_cursor([chosen[limit - 1].id])
        return out

    def join_tournament(req: ApiRequest) -> dict[str, Any]:
        board = board_or_404(req, True)
        if not board.join_required:
            return {}   # Nakama: nothing to join (the first score makes the record)
        now = time.time()
        if board.active_window(now)[1] <= now:
            raise ApiFailure(INVALID_ARGUMENT, "Tournament is not active and cannot accept new joins.")
        expiry = board.expiry_at(now)
        with db.transaction():
            exists = db.one("SELECT 1 FROM leaderboard_record WHERE leaderboard_id = ? AND expiry_time = ?"
                            " AND owner_id = ?", (board.id, expiry, req.user_id))
            if exists is None:
                if board.max_size and count(board, expiry) >= board.max_size:
                    raise ApiFailure(INVALID_ARGUMENT, "Tournament cannot be joined as it has reached its max size.")
                db.execute("INSERT INTO leaderboard_record (leaderboard_id, owner_id, expiry_time, username,"
                           " create_time, update_time) VALUES (?, ?, ?, ?, ?, ?)",
                           (board.id, req.user_id, expiry, req.username, now, now))
        return {}

    r = hub.routes
    r.add("GET", "/v2/leaderboard/{leaderboard_id}", lambda req: list_records(req, False))
    r.add("POST", "/v2/leaderboard/{leaderboard_id}", lambda req: write_record(req, False))
    r.add("DELETE", "/v2/leaderboard/{leaderboard_id}", lambda req: delete_record(req, False))
    r.add("GET", "/v2/leaderboard/{leaderboard_id}/owner/{owner_id}", lambda req: around_owner(req, False))
    r.add("GET", "/v2/tournament", list_tournaments)
    r.add("GET", "/v2/tournament/{tournament_id}", lambda req: list_records(req, True))
    r.add("PUT", "/v2/tournament/{tournament_id}", lambda req: write_record(req, True))
    r.add("POST", "/v2/tournament/{tournament_id}", lambda req: write_record(req, True))
    r.add("DELETE", "/v2/tournament/{tournament_id}", lambda req: delete_record(req, True))
    r.add("POST", "/v2/tournament/{tournament_id}/join", join_tournament)
    r.add("GET", "/v2/tournament/{tournament_id}/owner/{owner_id}", lambda req: around_owner(req, True))
