"""Storage objects: ``PUT/POST /v2/storage``, ``PUT /v2/storage/delete``, ``GET /v2/storage/{collection}[/{user_id}]``.

As Nakama (https://heroiclabs.com/docs/nakama/concepts/storage/collections/): values are JSON objects;
``version`` is the MD5 hex of the value as sent; ``"*"`` writes only if absent, a hash only if unchanged;
read permission 0 (server only), 1 (owner), 2 (public); write permission 0 (server only), 1 (owner). A batch
is all-or-nothing.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import TYPE_CHECKING, Any

from ._apiutil import (
    decode_cursor,
    encode_cursor,
    int_value,
    is_uuid,
    limit_param,
    pg_json,
    pg_refuses,
    str_value,
    time_s,
    time_us,
)
from ._http import INTERNAL, INVALID_ARGUMENT, NOT_FOUND, ApiFailure, ApiRequest

if TYPE_CHECKING:
    from ._hub import Hub

MIGRATIONS = [
    """
    CREATE TABLE storage (
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        user_id TEXT NOT NULL,
        value TEXT NOT NULL,
        version TEXT NOT NULL,
        read INTEGER NOT NULL,
        write INTEGER NOT NULL,
        create_time REAL NOT NULL,
        update_time REAL NOT NULL,
        PRIMARY KEY (collection, key, user_id)
    );
    CREATE INDEX storage_list ON storage (collection, read, key, user_id)
    """,
]

_MUST_BE_SET = "Invalid collection or key value supplied. They must be set."
_VERSION_FAILED = "Storage write rejected - version check failed."
_WRITE_DENIED = "Storage write rejected - permission denied."
_DELETE_FAILED = "Storage delete rejected - not found, version check failed, or permission denied."
_BAD_USER = "Invalid user ID - make sure user ID is a valid UUID."
_SYSTEM_USER = "00000000-0000-0000-0000-000000000000"


def _owner(req: ApiRequest, obj: dict[str, Any]) -> str:
    """Whose object: the caller's; server code (``req.authoritative``) names any owner, none = system."""
    if req.authoritative:
        return str(_field(obj, "user_id", "userId") or _SYSTEM_USER)
    return req.user_id


def object_wire(row: Any) -> dict[str, Any]:
    """A stored row as Nakama returns it from a read or a list."""
    out: dict[str, Any] = {"collection": row["collection"], "key": row["key"], "user_id": row["user_id"],
                           "value": pg_json(row["value"]), "version": row["version"]}
    if row["read"]:
        out["permission_read"] = row["read"]
    if row["write"]:
        out["permission_write"] = row["write"]
    out["create_time"] = time_s(row["create_time"])
    out["update_time"] = time_s(row["update_time"])
    return out


def _objects(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key) or body.get("objectIds" if key == "object_ids" else key) or []
    if not isinstance(items, list) or not all(isinstance(o, dict) for o in items):
        raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {key}")
    return items


def _field(obj: dict[str, Any], name: str, camel: str | None = None) -> Any:
    if name in obj:
        return obj[name]
    return obj.get(camel) if camel else None


def _text(obj: dict[str, Any], name: str, camel: str | None = None) -> str:
    """A string field of a storage object or id: JSON strings only, as protojson decodes the body."""
    return str_value(_field(obj, name, camel), name) or ""


def _permission(obj: dict[str, Any], name: str, camel: str) -> int | None:
    value = int_value(_field(obj, name, camel), name)
    if value is not None and not -(2 ** 31) <= value < 2 ** 31:   # an Int32Value
        raise ApiFailure(INVALID_ARGUMENT, f"invalid value for {name}: {value}")
    return value


def _has_nul(value: Any) -> bool:
    """A NUL anywhere in a parsed JSON value (jsonb refuses ``\\u0000``)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def install(hub: Hub) -> None:
    hub.db.register("storage", MIGRATIONS)
    db = hub.db

    def write(req: ApiRequest) -> dict[str, Any]:
        objects = _objects(req.body(), "objects")
        if not objects:
            return {}
        checked = []
        for obj in objects:
            collection, key, value = _text(obj, "collection"), _text(obj, "key"), _text(obj, "value")
            version = _text(obj, "version")
            read = _permission(obj, "permission_read", "permissionRead")
            write_perm = _permission(obj, "permission_write", "permissionWrite")
            if not collection or not key:
                raise ApiFailure(INVALID_ARGUMENT, _MUST_BE_SET)
            if read is not None and not 0 <= read <= 2:
                raise ApiFailure(INVALID_ARGUMENT, "Invalid Read permission supplied. It must be either 0, 1 or 2.")
            if write_perm is not None and not 0 <= write_perm <= 1:
                raise ApiFailure(INVALID_ARGUMENT, "Invalid Write permission supplied. It must be either 0 or 1.")
            try:
                parsed = json.loads(value)
            except (ValueError, RecursionError):
                parsed = None
            if not isinstance(parsed, dict):
                raise ApiFailure(INVALID_ARGUMENT, "Value must be a JSON object.")
            checked.append((collection, key, value, version, 1 if read is None else read,
                            1 if write_perm is None else write_perm, _owner(req, obj)))
        for collection, key, value, *_ in checked:
            # Postgres refuses NULs in text and in jsonb (also the escape \u0000), and keys over 128 chars
            if pg_refuses(collection, key, limit=128) or _has_nul(json.loads(value)):
                raise ApiFailure(INTERNAL, "Error writing storage objects.")
        now = time.time()
        acks = []
        with db.transaction():
            for collection, key, value, version, read, write_perm, owner in checked:
                row = db.one("SELECT version, write, create_time FROM storage"
                             " WHERE collection = ? AND key = ? AND user_id = ?", (collection, key, owner))
                if version == "*" and row is not None:
                    raise ApiFailure(INVALID_ARGUMENT, _VERSION_FAILED)
                if version and version != "*" and (row is None or row["version"] != version):
                    raise ApiFailure(INVALID_ARGUMENT, _VERSION_FAILED)
                if row is not None and row["write"] == 0 and not req.authoritative:
                    raise ApiFailure(INVALID_ARGUMENT, _WRITE_DENIED)
                new_version = hashlib.md5(value.encode("utf-8")).hexdigest()
                created = row["create_time"] if row is not None else now
                db.execute("INSERT OR REPLACE INTO storage (collection, key, user_id, value, version, read, write,"
                           " create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (collection, key, owner, value, new_version, read, write_perm, created, now))
                acks.append({"collection": collection, "key": key, "version": new_version,
                             "user_id": owner, "create_time": time_us(created), "update_time": time_us(now)})
        return {"acks": acks}

    def object_ids(req: ApiRequest) -> list[tuple[str, str, str, str]]:
        """(collection, key, user_id, version) of each id in the body, type-checked."""
        ids = []
        for oid in _objects(req.body(), "object_ids"):
            ids.append((_text(oid, "collection"), _text(oid, "key"), _text(oid, "user_id", "userId"),
                        _text(oid, "version")))
        for collection, key, _, _ in ids:
            if not collection or not key:
                raise ApiFailure(INVALID_ARGUMENT, _MUST_BE_SET)
        return ids

    def read(req: ApiRequest) -> dict[str, Any]:
        ids = object_ids(req)
        for _, _, owner, _ in ids:
            if owner and not is_uuid(owner):
                raise ApiFailure(INVALID_ARGUMENT, _BAD_USER)
        if any(pg_refuses(collection, key) for collection, key, _, _ in ids):
            raise ApiFailure(INTERNAL, "Error reading storage objects.")
        found = []
        for collection, key, owner, _ in ids:
            row = db.one("SELECT * FROM storage WHERE collection = ? AND key = ? AND user_id = ?",
                         (collection, key, owner or "00000000-0000-0000-0000-000000000000"))
            if row is None:
                continue
            if req.authoritative or row["read"] == 2 or (row["read"] == 1 and row["user_id"] == req.user_id):
                found.append(object_wire(row))
        return {"objects": found} if found else {}

    def delete(req: ApiRequest) -> dict[str, Any]:
        ids = object_ids(req)
        if any(pg_refuses(collection, key, version) for collection, key, _, version in ids):
            raise ApiFailure(INTERNAL, "Error deleting storage objects.")
        with db.transaction():
            for collection, key, user_id, version in ids:
                owner = _owner(req, {"user_id": user_id})
                row = db.one("SELECT version, write FROM storage WHERE collection = ? AND key = ? AND user_id = ?",
                             (collection, key, owner))
                denied = row is not None and row["write"] == 0 and not req.authoritative
                if row is None or denied or (version and version != row["version"]):
                    raise ApiFailure(INVALID_ARGUMENT, _DELETE_FAILED)
                db.execute("DELETE FROM storage WHERE collection = ? AND key = ? AND user_id = ?",
                           (collection, key, owner))
        return {}

    def list_objects(req: ApiRequest, collection: str, owner: str | None) -> dict[str, Any]:
        limit = limit_param(req.q_int("limit"), 1, 1, 100)
        if owner is not None and not is_uuid(owner):
            raise ApiFailure(INVALID_ARGUMENT, _BAD_USER)
        params: list[Any] = [collection]
        if req.authoritative:   # server code lists every object, of one owner or of all
            where = "collection = ?" if owner is None else "collection = ? AND user_id = ?"
            params += [] if owner is None else [owner]
        elif owner is None:
            where = "collection = ? AND read = 2"
        elif owner == req.user_id:
            where = "collection = ? AND user_id = ? AND read >= 1"
            params.append(owner)
        else:
            where = "collection = ? AND user_id = ? AND read = 2"
            params.append(owner)
        cursor = req.q("cursor")
        if cursor:
            params += decode_cursor(cursor, "Malformed cursor was used.", (int, str, str))
            where += " AND (read, key, user_id) > (?, ?, ?)"
        if pg_refuses(*(p for p in params if isinstance(p, str))):
            raise ApiFailure(INTERNAL, "Error listing storage objects.")
        rows = db.all(f"SELECT * FROM storage WHERE {where} ORDER BY read, key, user_id LIMIT ?",
                      (*params, limit + 1))
        out: dict[str, Any] = {}
        if rows[:limit]:
            out["objects"] = [object_wire(r) for r in rows[:limit]]
        if len(rows) > limit:
            last = rows[limit - 1]
            out["cursor"] = encode_cursor([last["read"], last["key"], last["user_id"]])
        return out

    def list_query(req: ApiRequest) -> dict[str, Any]:
        # Nakama routes on the decoded path: /v2/storage/a%2Fb is collection "a", user id "b"
        collection, slash, owner = req.match_info["collection"].partition("/")
        if not slash:
            return list_objects(req, collection, req.q("user_id") or None)
        if "/" in owner:
            raise ApiFailure(NOT_FOUND, "Not Found")
        return list_objects(req, collection, owner)

    def list_path(req: ApiRequest) -> dict[str, Any]:
        return list_objects(req, req.match_info["collection"], req.match_info["user_id"])

    hub.routes.add("PUT", "/v2/storage", write)
    hub.routes.add("POST", "/v2/storage", read)
    hub.routes.add("PUT", "/v2/storage/delete", delete)
    hub.routes.add("GET", "/v2/storage/{collection}", list_query)
    hub.routes.add("GET", "/v2/storage/{collection}/{user_id}", list_path)
