"""Groups: ``/v2/group...`` and ``/v2/user/{user_id}/group`` (see
https://heroiclabs.com/docs/nakama/concepts/groups/).

Member states: 0 superadmin, 1 admin, 2 member, 3 join request (4 banned, never listed by default).
``edge_count`` counts states 0-2. Membership changes post group-channel system messages through
``hub.chat.post_system_message`` (3 join, 4 add, 5 leave, 6 kick, 7 promote, 8 ban, 9 demote) when the
chat module is installed. ``hub.groups.is_member(group_id, user_id)`` is for the chat module.
"""
from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from ._apiutil import (
    bool_value,
    int_value,
    is_uuid,
    keyset_page,
    limit_param,
    pg_json,
    pg_refuses,
    str_value,
    time_s,
)
from ._http import ALREADY_EXISTS, INTERNAL, INVALID_ARGUMENT, NOT_FOUND, ApiFailure, ApiRequest

if TYPE_CHECKING:
    from ._hub import Hub

MIGRATIONS = [
    """
    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        creator_id TEXT NOT NULL,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        avatar_url TEXT NOT NULL DEFAULT '',
        lang_tag TEXT NOT NULL DEFAULT 'en',
        metadata TEXT NOT NULL DEFAULT '{}',
        open INTEGER NOT NULL,
        edge_count INTEGER NOT NULL DEFAULT 0,
        max_count INTEGER NOT NULL,
        create_time REAL NOT NULL,
        update_time REAL NOT NULL
    );
    CREATE TABLE group_edge (
        group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        state INTEGER NOT NULL,
        position INTEGER NOT NULL,
        update_time REAL NOT NULL,
        PRIMARY KEY (group_id, user_id)
    );
    CREATE INDEX group_edge_user ON group_edge (user_id, state, position)
    """,
]

SUPERADMIN, ADMIN, MEMBER, JOIN_REQUEST, BANNED = 0, 1, 2, 3, 4
_NOT_FOUND = "Group not found."
_DENIED = "Group not found or permission denied."
_LIST_FAILED = "Error while trying to list groups."   # Nakama answers a bad group-list cursor with this 500
# Postgres column sizes of Nakama's groups table: longer values (or a NUL) fail its query with 500
_COLUMN_SIZES = {"name": 255, "description": 255, "avatar_url": 512, "lang_tag": 18}


def _postgres_refuses(fields: dict[str, Any]) -> bool:
    return any(isinstance(v, str) and pg_refuses(v, limit=_COLUMN_SIZES.get(k)) for k, v in fields.items())


class Groups:
    """Group membership queries on ``hub.groups`` (loop thread only)."""

    def __init__(self, hub: Hub) -> None:
        self.db = hub.db
        self._position = 0

    def is_member(self, group_id: str, user_id: str) -> bool:
        """True when ``user_id`` is a superadmin, admin or member of the group."""
        state = self.state(group_id, user_id)
        return state is not None and state <= MEMBER

    def state(self, group_id: str, user_id: str) -> int | None:
        row = self.db.one("SELECT state FROM group_edge WHERE group_id = ? AND user_id = ?", (group_id, user_id))
        return None if row is None else int(row["state"])

    def group(self, group_id: str) -> Any:
        if not is_uuid(group_id):
            return None
        return self.db.one("SELECT * FROM groups WHERE id = ?", (group_id,))

    def set_state(self, group_id: str, user_id: str, state: int) -> None:
        self._position = max(self._position + 1, time.time_ns() // 1000)
        self.db.execute("INSERT INTO group_edge (group_id, user_id, state, position, update_time)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id, user_id) DO UPDATE SET"
                        " state = excluded.state, update_time = excluded.update_time",
                        (group_id, user_id, state, self._position, time.time()))
        self.recount(group_id)

    def remove(self, group_id: str, user_id: str) -> None:
        self.db.execute("DELETE FROM group_edge WHERE group_id = ? AND user_id = ?", (group_id, user_id))
        self.recount(group_id)

    def recount(self, group_id: str) -> None:
        self.db.execute("UPDATE groups SET edge_count = (SELECT COUNT(*) FROM group_edge"
                        " WHERE group_id = ? AND state <= 2) WHERE id = ?", (group_id, group_id))

    def delete_user(self, user_id: str) -> None:
        rows = self.db.all("SELECT group_id FROM group_edge WHERE user_id = ?", (user_id,))
        for row in rows:
            self.remove(row["group_id"], user_id)


def group_wire(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], "creator_id": row["creator_id"], "name": row["name"]}
    for key in ("description", "lang_tag"):
        if row[key]:
            out[key] = row[key]
    out["metadata"] = pg_json(row["metadata"])
    if row["avatar_url"]:
        out["avatar_url"] = row["avatar_url"]
    out["open"] = bool(row["open"])
    if row["edge_count"]:
        out["edge_count"] = row["edge_count"]
    if row["max_count"]:
        out["max_count"] = row["max_count"]
    out["create_time"] = time_s(row["create_time"])
    out["update_time"] = time_s(row["update_time"])
    return out


def install(hub: Hub) -> None:
    hub.db.register("groups", MIGRATIONS)
    groups = Groups(hub)
    hub.groups = groups  # type: ignore[attr-defined]
    db = hub.db
    hooks = getattr(getattr(hub, "accounts", None), "deleted_hooks", None)
    if hooks is not None:
        hooks.append(groups.delete_user)

    def accounts() -> Any:
        return hub.accounts  # type: ignore[attr-defined]

    def system_message(group_id: str, code: int, user_id: str, username: str) -> None:
        chat = getattr(hub, "chat", None)
        if chat is not None:
            chat.post_system_message(group_id, code, user_id, username)

    def group_id(req: ApiRequest) -> str:
        gid = req.match_info["group_id"]
        if not is_uuid(gid):
            raise ApiFailure(INVALID_ARGUMENT, "Group ID must be a valid ID.")
        return gid

    def group_or_404(req: ApiRequest) -> Any:
        row = groups.group(group_id(req))
        if row is None:
            raise ApiFailure(NOT_FOUND, _NOT_FOUND)
        return row

    def username_of(user_id: str) -> str:
        row = accounts().row(user_id)
        return row["username"] if row is not None else ""

    # ---- create / update / delete ---------------------------------------------------------------
    def create(req: ApiRequest) -> dict[str, Any]:
        body = req.body()
        name = str_value(body.get("name"), "name")
        if not name:
            raise ApiFailure(INVALID_ARGUMENT, "Group name must be set.")
        max_count = int_value(body.get("max_count"), "max_count") or 100
        if not max_count < 2 ** 31:   # an int32 field
            raise ApiFailure(INVALID_ARGUMENT, f"invalid value for int32 field max_count: {max_count}")
        if max_count < 1:
            raise ApiFailure(INVALID_ARGUMENT, "Group max count must be >= 1 when set.")
        texts = {key: str_value(body.get(key), key) for key in ("name", "description", "avatar_url", "lang_tag")}
        if _postgres_refuses(texts):
            raise ApiFailure(INTERNAL, "Error while trying to create group.")
        if db.one("SELECT 1 FROM groups WHERE name = ?", (name,)) is not None:
            raise ApiFailure(ALREADY_EXISTS, "Group name is in use.")
        gid, now = str(uuid.uuid4()), time.time()
        with db.transaction():
            db.execute("INSERT INTO groups (id, creator_id, name, description, avatar_url, lang_tag, open, max_count,"
                       " create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (gid, req.user_id, name, str_value(body.get("description"), "description") or "",
                        str_value(body.get("avatar_url"), "avatar_url") or "",
                        str_value(body.get("lang_tag"), "lang_tag") or "en",
                        int(bool(bool_value(body.get("open"), "open"))), max_count, now, now))
            groups.set_state(gid, req.user_id, SUPERADMIN)
        return group_wire(groups.group(gid))

    def update(req: ApiRequest) -> dict[str, Any]:
        gid = group_id(req)
        body = req.body()
        changes: dict[str, Any] = {}
        for key in ("name", "description", "lang_tag", "avatar_url"):
            value = str_value(body.get(key), key)
            if value is not None:
                changes[key] = value
        if changes.get("name") == "":
            raise ApiFailure(INVALID_ARGUMENT, "Group name cannot be empty.")
        if changes.get("lang_tag") == "":
            raise ApiFailure(INVALID_ARGUMENT, "Group language cannot be empty.")
        is_open = bool_value(body.get("open"), "open")
        if is_open is not None:
            changes["open"] = int(is_open)
        row = groups.group(gid)
        if row is None or groups.state(gid, req.user_id) not in (SUPERADMIN, ADMIN):
            raise ApiFailure(NOT_FOUND, "Group not found or you're not allowed to update.")
        if not changes:
            raise ApiFailure(INVALID_ARGUMENT, "Specify at least one field to update.")
        if _postgres_refuses(changes):
            raise ApiFailure(INTERNAL, "Error while trying to update group.")
        if "name" in changes and db.one("SELECT 1 FROM groups WHERE name = ? AND id != ?",
                                        (changes["name"], row["id"])) is not None:
            raise ApiFailure(INVALID_ARGUMENT, "Group name is in use.")
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            db.execute(f"UPDATE groups SET {sets}, update_time = ? WHERE id = ?",
                       (*changes.values(), time.time(), row["id"]))
        return {}

    def delete(req: ApiRequest) -> dict[str, Any]:
        gid = group_id(req)
        if groups.state(gid, req.user_id) != SUPERADMIN:   # Nakama: InvalidArgument here, not NotFound
            raise ApiFailure(INVALID_ARGUMENT, "Group not found or you're not allowed to delete.")
        db.execute("DELETE FROM groups WHERE id = ?", (gid,))
        return {}

    # ---- listing ----------------------------------------------------------------------------------
    def list_groups(req: ApiRequest) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit"), 1, 1, 100)
        where, params = ["1 = 1"], []
        name = req.q("name")
        if name and (req.q("lang_tag") or req.q_bool("open") is not None or req.q_int("members") is not None):
            raise ApiFailure(INVALID_ARGUMENT, "name filter cannot be combined with any other filter")
        if pg_refuses(name or "", req.q("lang_tag") or ""):
            raise ApiFailure(INTERNAL, _LIST_FAILED)
        if name:
            if name.endswith("%"):
                prefix = name[:-1]
                where.append("substr(name, 1, ?) = ?")
                params += [len(prefix), prefix]
            else:
                where.append("name = ?")
                params.append(name)
        lang = req.q("lang_tag")
        if lang:
            where.append("lang_tag = ?")
            params.append(lang)
        members = req.q_int("members")
        if members is not None:
            where.append("edge_count >= ?")
            params.append(members)
        is_open = req.q_bool("open")
        if is_open is not None:
            where.append("open = ?")
            params.append(int(is_open))
        rows, following = keyset_page(db, "groups", where, params, ("name", "id"), req.q("cursor"), limit,
                                      kinds=(str, str), invalid=_LIST_FAILED, invalid_code=INTERNAL)
        out: dict[str, Any] = {}
        if rows:
            out["groups"] = [group_wire(r) for r in rows]
        if following:
            out["cursor"] = following
        return out

    def edge_page(req: ApiRequest, column: str, value: str) -> tuple[list[Any], str | None]:
        limit = limit_param(req.q_int("limit"), 100, 1, 100)
        state = req.q_int("state")
        if state is not None and not 0 <= state <= 4:
            raise ApiFailure(INVALID_ARGUMENT, "Invalid state - state must be between 0 and 4.")
        where = [f"{column} = ?"]
        params: list[Any] = [value]
        if state is None:
            where.append("state < 4")
        else:
            where.append("state = ?")
            params.append(state)
        return keyset_page(db, "group_edge", where, params, ("state", "position"), req.q("cursor"), limit)

    def list_group_users(req: ApiRequest) -> dict[str, Any]:
        edges, following = edge_page(req, "group_id", group_id(req))   # an unknown group lists nobody
        users = {u["id"]: u for u in accounts().rows_by_ids([e["user_id"] for e in edges])}
        out: dict[str, Any] = {}
        items = [{"user": accounts().user_wire(users[e["user_id"]]), "state": e["state"]}
                 for e in edges if e["user_id"] in users]
        if items:
            out["group_users"] = items
        if following:
            out["cursor"] = following
        return out

    def list_user_groups(req: ApiRequest) -> dict[str, Any]:
        user_id = req.match_info["user_id"]
        if not is_uuid(user_id):
            raise ApiFailure(INVALID_ARGUMENT, "Group ID must be a valid ID.")   # sic: Nakama 3.40's message
        edges, following = edge_page(req, "user_id", user_id)
        out: dict[str, Any] = {}
        items = []
        for e in edges:
            g = groups.group(e["group_id"])
            if g is not None:
                items.append({"group": group_wire(g), "state": e["state"]})
        if items:
            out["user_groups"] = items
        if following:
            out["cursor"] = following
        return out

    # ---- membership -------------------------------------------------------------------------------
    def join(req: ApiRequest) -> dict[str, Any]:
        row = group_or_404(req)
        gid = row["id"]
        if row["edge_count"] >= row["max_count"]:   # checked first, as Nakama does
            raise ApiFailure(INVALID_ARGUMENT, "Group is full.")
        if groups.state(gid, req.user_id) is not None:
            return {}   # already a member, an invitee or banned: no change
        if row["open"]:
            groups.set_state(gid, req.user_id, MEMBER)
            system_message(gid, 3, req.user_id, req.username)
            return {}
        groups.set_state(gid, req.user_id, JOIN_REQUEST)
        admins = db.all("SELECT user_id FROM group_edge WHERE group_id = ? AND state <= 1", (gid,))
        for admin in admins:
            hub.notify(admin["user_id"], f"User {req.username} wants to join your group",  # type: ignore[attr-defined]
                       {"group_id": gid, "username": req.username}, -5, req.user_id, True)
        return {}

    def leave(req: ApiRequest) -> dict[str, Any]:
        gid = group_id(req)
        state = groups.state(gid, req.user_id)   # None also for an unknown group: nothing to leave
        if state is None or state == BANNED:
            return {}
        if state == SUPERADMIN:
            supers = db.scalar("SELECT COUNT(*) FROM group_edge WHERE group_id = ? AND state = 0", (gid,))
            others = db.scalar("SELECT COUNT(*) FROM group_edge WHERE group_id = ? AND state <= 2 AND user_id != ?",
                            (gid, req.user_id))
            if supers == 1 and others > 0:
                raise ApiFailure(INVALID_ARGUMENT, "Cannot leave group when you are the last superadmin.")
        groups.remove(gid, req.user_id)
        if state <= MEMBER:
            system_message(gid, 5, req.user_id, req.username)
        return {}

    def user_ids(req: ApiRequest) -> list[str]:
        """The ``user_ids`` query values, each a valid UUID, the caller left out (Nakama skips self)."""
        ids = req.q_all("user_ids")
        for uid in ids:
            if not is_uuid(uid):
                raise ApiFailure(INVALID_ARGUMENT, "User ID must be a valid ID.")
        return [uid for uid in ids if uid != req.user_id]

    def admin_op(req: ApiRequest) -> tuple[Any, list[str], int] | None:
        """(group row, user ids, caller's rank) of an admin operation; None when there is nothing to do.

        As Nakama: the group id is checked, then the user ids, then the caller's rank (a caller who is
        not an admin of an existing group gets 404 "Group not found or permission denied.").
        """
        gid = group_id(req)
        if not req.q_all("user_ids"):
            return None
        ids = user_ids(req)
        state = groups.state(gid, req.user_id)
        row = groups.group(gid)
        if state not in (SUPERADMIN, ADMIN) or row is None:
            raise ApiFailure(NOT_FOUND, _DENIED)
        return row, ids, state

    def add(req: ApiRequest) -> dict[str, Any]:
        op = admin_op(req)
        if op is None:
            return {}
        row, ids, _ = op
        gid = row["id"]
        known = {u["id"]: u["username"] for u in accounts().rows_by_ids(ids)}
        if any(uid not in known for uid in ids):
            raise ApiFailure(INVALID_ARGUMENT, "One or more users not found.")
        for uid in ids:
            state = groups.state(gid, uid)
            if state is not None and state != JOIN_REQUEST:
                continue   # members stay, banned users stay banned
            if groups.group(gid)["edge_count"] >= row["max_count"]:
                raise ApiFailure(INVALID_ARGUMENT, "Group is full.")
            groups.set_state(gid, uid, MEMBER)
            hub.notify(uid, f"You've been added to group {row['name']}",  # type: ignore[attr-defined]
                       {"group_id": gid, "name": row["name"]}, -4, req.user_id, True)
            system_message(gid, 4, uid, known[uid])
        return {}

    def superadmins_besides(gid: str, uid: str) -> int:
        return int(db.scalar("SELECT COUNT(*) FROM group_edge WHERE group_id = ? AND state = 0 AND user_id != ?",
                             (gid, uid)))

    def kick_or_ban(req: ApiRequest, ban: bool) -> dict[str, Any]:
        """As Nakama: a superadmin removes anyone but the last superadmin, an admin removes members,
        join requests and bans; a ban then marks the removed user banned. Users without any edge (and
        the caller) are skipped; kicking a banned user lifts the ban."""
        op = admin_op(req)
        if op is None:
            return {}
        row, ids, rank = op
        gid = row["id"]
        for uid in ids:
            state = groups.state(gid, uid)
            if state is None or (rank == ADMIN and state <= ADMIN):
                continue
            if state == SUPERADMIN and superadmins_besides(gid, uid) == 0:
                continue
            if ban:
                groups.set_state(gid, uid, BANNED)
            else:
                groups.remove(gid, uid)
            if state <= MEMBER:
                system_message(gid, 8 if ban else 6, uid, username_of(uid))
        return {}

    def promote_or_demote(req: ApiRequest, promote: bool) -> dict[str, Any]:
        """As Nakama: promote moves a member or an admin one rank up, never above or to the caller's
        rank (join requests are accepted by ``add``, not promoted); demote moves an admin or a
        superadmin of the caller's rank or below one rank down, never the last superadmin."""
        if not promote and not req.q_all("user_ids"):
            group_id(req)
            raise ApiFailure(INVALID_ARGUMENT, "User IDs must be set.")
        op = admin_op(req)
        if op is None:
            return {}
        row, ids, rank = op
        gid = row["id"]
        for uid in ids:
            state = groups.state(gid, uid)
            if state is None:
                continue
            if promote:
                if not rank < state <= MEMBER or state == SUPERADMIN:
                    continue
                new = state - 1
            else:
                if not rank <= state < MEMBER:
                    continue
                if rank == SUPERADMIN and superadmins_besides(gid, uid) == 0:
                    continue   # keep a superadmin
                new = state + 1
            groups.set_state(gid, uid, new)
            system_message(gid, 7 if promote else 9, uid, username_of(uid))
        return {}

    r = hub.routes
    r.add("GET", "/v2/group", list_groups)
    r.add("POST", "/v2/group", create)
    r.add("PUT", "/v2/group/{group_id}", update)
    r.add("DELETE", "/v2/group/{group_id}", delete)
    r.add("POST", "/v2/group/{group_id}/join", join)
    r.add("POST", "/v2/group/{group_id}/leave", leave)
    r.add("POST", "/v2/group/{group_id}/add", add)
    r.add("POST", "/v2/group/{group_id}/kick", lambda req: kick_or_ban(req, False))
    r.add("POST", "/v2/group/{group_id}/ban", lambda req: kick_or_ban(req, True))
    r.add("POST", "/v2/group/{group_id}/promote", lambda req: promote_or_demote(req, True))
    r.add("POST", "/v2/group/{group_id}/demote", lambda req: promote_or_demote(req, False))
    r.add("GET", "/v2/group/{group_id}/user", list_group_users)
    r.add("GET", "/v2/user/{user_id}/group", list_user_groups)
