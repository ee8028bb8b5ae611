"""Friends: ``/v2/friend`` (list/add/delete), ``/v2/friend/block``, ``/v2/friend/friends`` and the
Facebook/Steam imports (see https://heroiclabs.com/docs/nakama/concepts/friends/).

Edges are stored both ways (``user_edge``: source's view of destination). States from the source's
side: 0 mutual friend, 1 invite sent, 2 invite received, 3 blocked. Notifications -2 (request),
-3 (accepted) and -9 (removed) go through ``hub.notify``. ``hub.friends`` offers ``state(a, b)``.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ._apiutil import (
    decode_cursor,
    encode_cursor,
    is_uuid,
    keyset_page,
    limit_param,
    pg_json,
    pg_refuses,
    str_value,
    time_s,
)
from ._http import FAILED_PRECONDITION, INTERNAL, INVALID_ARGUMENT, UNAUTHENTICATED, ApiFailure, ApiRequest

if TYPE_CHECKING:
    from ._hub import Hub

MIGRATIONS = [
    """
    CREATE TABLE user_edge (
        source_id TEXT NOT NULL,
        destination_id TEXT NOT NULL,
        state INTEGER NOT NULL,
        position INTEGER NOT NULL,
        update_time REAL NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (source_id, destination_id)
    );
    CREATE INDEX user_edge_list ON user_edge (source_id, state, position)
    """,
]


class Friends:
    """Friend edges on ``hub.friends`` (loop thread only)."""

    def __init__(self, hub: Hub) -> None:
        self.db = hub.db
        self._position = 0

    def state(self, source: str, destination: str) -> int | None:
        """``source``'s state towards ``destination`` (None: no edge)."""
        row = self.db.one("SELECT state FROM user_edge WHERE source_id = ? AND destination_id = ?",
                          (source, destination))
        return None if row is None else int(row["state"])

    def next_position(self) -> int:
        self._position = max(self._position + 1, time.time_ns() // 1000)
        return self._position

    def put(self, source: str, destination: str, state: int, metadata: str | None = None) -> None:
        now = time.time()
        self.db.execute(
            "INSERT INTO user_edge (source_id, destination_id, state, position, update_time, metadata)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, destination_id) DO UPDATE SET"
            " state = excluded.state, position = excluded.position, update_time = excluded.update_time,"
            " metadata = COALESCE(?, user_edge.metadata)",
            (source, destination, state, self.next_position(), now, metadata or "{}", metadata))

    def delete(self, source: str, destination: str) -> None:
        self.db.execute("DELETE FROM user_edge WHERE source_id = ? AND destination_id = ?", (source, destination))

    def delete_user(self, user_id: str) -> None:
        self.db.execute("DELETE FROM user_edge WHERE source_id = ? OR destination_id = ?", (user_id, user_id))


def install(hub: Hub) -> None:
    hub.db.register("friends", MIGRATIONS)
    friends = Friends(hub)
    hub.friends = friends  # type: ignore[attr-defined]
    db = hub.db

    def accounts() -> Any:
        return hub.accounts  # type: ignore[attr-defined]

    hooks = getattr(getattr(hub, "accounts", None), "deleted_hooks", None)
    if hooks is not None:
        hooks.append(friends.delete_user)

    def targets(req: ApiRequest, verb: str, empty_ok: bool) -> list[str] | None:
        """The ids named by ``ids`` and ``usernames`` (None: nothing asked, answer {})."""
        ids, names = req.q_all("ids"), req.q_all("usernames")
        if not ids and not names:
            return None
        for uid in ids:
            if uid == req.user_id:
                raise ApiFailure(INVALID_ARGUMENT, f"Cannot {verb} self{' as friend' if verb == 'add' else ''}.")
            if not is_uuid(uid):
                raise ApiFailure(INVALID_ARGUMENT, f"Invalid user ID '{uid}'.")
        for name in names:
            if not name:
                raise ApiFailure(INVALID_ARGUMENT, "Username must not be empty.")
        if pg_refuses(*names):
            raise ApiFailure(INTERNAL, f"Error while trying to {verb} friends.")
        for name in names:
            if name == req.username:
                raise ApiFailure(INVALID_ARGUMENT, f"Cannot {verb} self{' as friend' if verb == 'add' else ''}.")
        found = [row["id"] for row in accounts().rows_by_usernames(names)]
        if not found and not ids:
            if empty_ok:
                return None
            raise ApiFailure(INVALID_ARGUMENT, "No valid ID or username was provided.")
        out: list[str] = []
        for uid in [*ids, *found]:
            if uid not in out and uid != req.user_id:
                out.append(uid)
        return out

    def notify(to: str, code: int, subject: str, req: ApiRequest) -> None:
        hub.notify(to, subject, {"username": req.username}, code, req.user_id, True)  # type: ignore[attr-defined]

    def add(req: ApiRequest) -> dict[str, Any]:
        ids = targets(req, "add", False)
        if ids is None:
            return {}
        metadata = req.q("metadata")
        existing = {row["id"] for row in accounts().rows_by_ids(ids)}
        for other in ids:
            if other not in existing or friends.state(other, req.user_id) == 3:
                continue  # unknown user, or they blocked us: quietly nothing
            mine = friends.state(req.user_id, other)
            if mine == 2:  # they asked first: accept
                with db.transaction():
                    friends.put(req.user_id, other, 0, metadata)
                    friends.put(other, req.user_id, 0)
                notify(other, -3, f"{req.username} accepted your friend request", req)
            elif mine is None:
                with db.transaction():
                    friends.put(req.user_id, other, 1, metadata)
                    friends.put(other, req.user_id, 2)
                notify(other, -2, f"{req.username} wants to add you as a friend", req)
        return {}

    def delete(req: ApiRequest) -> dict[str, Any]:
        ids = targets(req, "delete", True)
        for other in ids or []:
            mine = friends.state(req.user_id, other)
            if mine is None:
                continue
            with db.transaction():
                friends.delete(req.user_id, other)
                if friends.state(other, req.user_id) != 3:
                    friends.delete(other, req.user_id)
            if mine == 0:
                notify(other, -9, f"{req.username} removed you as a friend", req)
        return {}

    def block(req: ApiRequest) -> dict[str, Any]:
        ids = targets(req, "block", False)
        if ids is None:
            return {}
        existing = {row["id"] for row in accounts().rows_by_ids(ids)}
        for other in ids:
            if other not in existing:
                continue
            with db.transaction():
                friends.put(req.user_id, other, 3)
                if friends.state(other, req.user_id) != 3:
                    friends.delete(other, req.user_id)
        return {}

    def list_friends(req: ApiRequest) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit"), 1000, 1, 1000)
        state = req.q_int("state")
        if state is not None and not 0 <= state <= 3:
            raise ApiFailure(INVALID_ARGUMENT, "Invalid state - state must be between 0 and 3.")
        where = ["source_id = ?"]
        params: list[Any] = [req.user_id]
        if state is not None:
            where.append("state = ?")
            params.append(state)
        rows, following = keyset_page(db, "user_edge", where, params, ("state", "position"), req.q("cursor"),
                                      limit, "Cursor is invalid.")
        users = {r["id"]: r for r in accounts().rows_by_ids([r["destination_id"] for r in rows])}
        items = []
        for r in rows:
            user = users.get(r["destination_id"])
            if user is None:
                continue
            items.append({"user": accounts().user_wire(user), "state": r["state"],
                          "update_time": time_s(r["update_time"]), "metadata": pg_json(r["metadata"])})
        out: dict[str, Any] = {}
        if items:
            out["friends"] = items
        if following:
            out["cursor"] = following
        return out

    def friends_of_friends(req: ApiRequest) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit"), 10, 1, 100)
        rows = db.all(
            "SELECT f.source_id AS referrer, f.destination_id AS user_id FROM user_edge AS mine"
            " JOIN user_edge AS f ON f.source_id = mine.destination_id AND f.state = 0"
            " WHERE mine.source_id = ? AND mine.state = 0 AND f.destination_id != ?"
            " AND f.destination_id NOT IN (SELECT destination_id FROM user_edge WHERE source_id = ?)"
            " ORDER BY f.source_id, f.destination_id", (req.user_id, req.user_id, req.user_id))
        offset = 0
        cursor = req.q("cursor")
        if cursor:
            (offset,) = decode_cursor(cursor, "Cursor is invalid.", (int,))
            if offset < 0:
                raise ApiFailure(INVALID_ARGUMENT, "Cursor is invalid.")
        chunk = rows[offset:offset + limit]
        users = {r["id"]: r for r in accounts().rows_by_ids([r["user_id"] for r in chunk])}
        items = [{"referrer": r["referrer"], "user": accounts().user_wire(users[r["user_id"]])}
                 for r in chunk if r["user_id"] in users]
        out: dict[str, Any] = {}
        if items:
            out["friends_of_friends"] = items
        if offset + limit < len(rows):
            out["cursor"] = encode_cursor([offset + limit])
        return out

    def social_account(req: ApiRequest) -> str:
        """The ``token`` of an AccountFacebook/AccountSteam body, with its ``vars`` type-checked."""
        body = req.body()
        vars_ = body.get("vars")
        if vars_ is not None and (not isinstance(vars_, dict) or not all(isinstance(v, str) for v in vars_.values())):
            raise ApiFailure(INVALID_ARGUMENT, "invalid value for vars: a map of strings is expected")
        return str_value(body.get("token"), "token") or ""

    def import_facebook(req: ApiRequest) -> dict[str, Any]:
        if not social_account(req):
            raise ApiFailure(INVALID_ARGUMENT, "Facebook token is required.")
        # The dev server cannot reach Facebook: answer as Nakama does for a token Facebook refuses.
        raise ApiFailure(UNAUTHENTICATED, "Could not authenticate Facebook profile.")

    def import_steam(req: ApiRequest) -> dict[str, Any]:
        social_account(req)
        raise ApiFailure(FAILED_PRECONDITION, "Steam authentication is not configured.")

    hub.routes.add("GET", "/v2/friend", list_friends)
    hub.routes.add("POST", "/v2/friend", add)
    hub.routes.add("DELETE", "/v2/friend", delete)
    hub.routes.add("POST", "/v2/friend/block", block)
    hub.routes.add("GET", "/v2/friend/friends", friends_of_friends)
    hub.routes.add("POST", "/v2/friend/facebook", import_facebook)
    hub.routes.add("POST", "/v2/friend/steam", import_steam)
