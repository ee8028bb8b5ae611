"""``nk``: the runtime API that server code calls, named and shaped after Nakama's Lua runtime (snake_case).

Every function runs on the server's thread (it hops there through ``DevServer.call`` when called from
elsewhere, so tests may call it too) and, where the HTTP API has the same operation, runs that very
handler (:func:`_runtime.call_route`): same validation, same SQL, same error texts. What a client may
not do, server code may: name any owner, ignore storage permissions, write to authoritative
leaderboards. A refusal raises :class:`RuntimeFunctionError` with Nakama's gRPC code.

Values are Python's: storage values and metadata are dicts (as Lua tables), scores are ints.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ._http import INVALID_ARGUMENT, NOT_FOUND
from ._runtime import RuntimeFunctionError, call_route
from ._ws import presence_of

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["WALLET_MIGRATIONS", "NakamaModule"]

T = TypeVar("T")
log = logging.getLogger("nakama_sync.devserver.runtime")

WALLET_MIGRATIONS = [
    """
    CREATE TABLE wallet_ledger (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        changeset TEXT NOT NULL,
        metadata TEXT NOT NULL,
        create_time REAL NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX wallet_ledger_user ON wallet_ledger (user_id, seq)
    """,
]


def _stream_key(stream: dict[str, Any]) -> tuple[int, str, str, str]:
    if not isinstance(stream, dict) or not isinstance(stream.get("mode"), int):
        raise RuntimeFunctionError("stream must be a dict with an int 'mode'", INVALID_ARGUMENT)
    return (stream["mode"], str(stream.get("subject") or ""), str(stream.get("subcontext") or ""),
            str(stream.get("label") or ""))


def _json_text(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise RuntimeFunctionError(f"{name} must be a dict or a JSON object string", INVALID_ARGUMENT)
    return json.dumps(value, separators=(",", ":"))


def _decoded(obj: dict[str, Any]) -> dict[str, Any]:
    out = dict(obj)
    if isinstance(out.get("value"), str):
        out["value"] = json.loads(out["value"])
    return out


class NakamaModule:
    """The runtime API (``nk``) handed to ``init_module`` and reachable as ``server.nk``.

    Example: ``nk.storage_write([{"collection": "scores", "key": "best", "user_id": uid, "value": {"n": 3}}])``
    Any thread: each call runs on the server's thread and returns its result (bounded by 15 s).
    """

    def __init__(self, server: Any) -> None:
        self._server = server
        self.logger = log

    # ---- plumbing ---------------------------------------------------------------------------
    def _run(self, fn: Callable[[Hub], T]) -> T:
        hub = self._server.hub
        if hub is None:
            raise RuntimeFunctionError("the dev server is not running", 14)
        result: T = self._server.call(fn, hub)
        return result

    def _route(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._run(lambda hub: call_route(hub, method, path, **kwargs))

    # ---- logger and small helpers ---------------------------------------------------------
    def logger_debug(self, message: str, *args: Any) -> None:
        """Log at debug level (``%`` arguments). Example: ``nk.logger_debug("tick %d", tick)``"""
        self.logger.debug(message, *args)

    def logger_info(self, message: str, *args: Any) -> None:
        """Log at info level. Example: ``nk.logger_info("match %s started", match_id)``"""
        self.logger.info(message, *args)

    def logger_warn(self, message: str, *args: Any) -> None:
        """Log a warning. Example: ``nk.logger_warn("odd move from %s", user_id)``"""
        self.logger.warning(message, *args)

    def logger_error(self, message: str, *args: Any) -> None:
        """Log an error. Example: ``nk.logger_error("lost state")``"""
        self.logger.error(message, *args)

    def time(self) -> int:
        """Milliseconds since the epoch, as Nakama's ``nk.time()``. Example: ``started = nk.time()``"""
        return int(time.time() * 1000)

    def uuid_v4(self) -> str:
        """A fresh UUID string. Example: ``nk.uuid_v4()``"""
        return str(uuid.uuid4())

    # ---- accounts and users ---------------------------------------------------------------
    def account_get_id(self, user_id: str) -> dict[str, Any]:
        """The account of ``user_id`` as ``GET /v2/account`` shows it (``user``, ``wallet``, ``devices`` ...).

        Example: ``nk.account_get_id(ctx.user_id)["user"]["username"]``
        """
        return self._route("GET", "/v2/account", user_id=user_id)

    def users_get_id(self, user_ids: list[str], facebook_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Users by id (unknown ids are left out), as ``GET /v2/user``. Example: ``nk.users_get_id([uid])``"""
        query = [("ids", i) for i in user_ids] + [("facebook_ids", f) for f in facebook_ids or []]
        return list(self._route("GET", "/v2/user", query=query).get("users", []))

    def users_get_username(self, usernames: list[str]) -> list[dict[str, Any]]:
        """Users by username. Example: ``nk.users_get_username(["ada"])``"""
        return list(self._route("GET", "/v2/user", query=[("usernames", u) for u in usernames]).get("users", []))

    def account_update_id(self, user_id: str, metadata: dict[str, Any] | None = None, username: str | None = None,
                          display_name: str | None = None, timezone: str | None = None,
                          location: str | None = None, lang_tag: str | None = None,
                          avatar_url: str | None = None) -> None:
        """Update a user's profile (``None`` leaves a field as it is); ``metadata`` is server-only.

        Example: ``nk.account_update_id(uid, metadata={"level": 2}, display_name="Ada")``
        """
        body = {k: v for k, v in (("username", username), ("display_name", display_name),
                                  ("timezone", timezone), ("location", location), ("lang_tag", lang_tag),
                                  ("avatar_url", avatar_url)) if v is not None}
        text = None if metadata is None else _json_text(metadata, "metadata")

        def run(hub: Hub) -> None:
            call_route(hub, "PUT", "/v2/account", user_id=user_id, body=body)
            if text is not None:
                hub.db.execute("UPDATE users SET metadata = ?, update_time = ? WHERE id = ?",
                               (text, int(time.time()), user_id))
        self._run(run)

    # ---- storage ------------------------------------------------------------------------------
    def storage_read(self, object_ids: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Objects by ``{"collection", "key", "user_id"}`` whatever their read permission; values as dicts.

        Example: ``nk.storage_read([{"collection": "saves", "key": "slot1", "user_id": uid}])``
        """
        found = self._route("POST", "/v2/storage", body={"object_ids": object_ids}).get("objects", [])
        return [_decoded(o) for o in found]

    def storage_write(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write objects for any owner (``user_id`` missing or empty: the system user), all or nothing.

        Each object: ``collection``, ``key``, ``user_id``, ``value`` (a dict), optional ``version``
        (``"*"``: only if absent), ``permission_read`` (0-2, default 1), ``permission_write`` (0-1,
        default 1). Returns the acks (``collection``, ``key``, ``user_id``, ``version``).
        Example: ``nk.storage_write([{"collection": "c", "key": "k", "user_id": uid, "value": {"a": 1}}])``
        """
        wire = [{**o, "value": _json_text(o.get("value"), "value")} for o in objects]
        return list(self._route("PUT", "/v2/storage", body={"objects": wire}).get("acks", []))

    def storage_list(self, user_id: str | None, collection: str, limit: int = 100,
                     cursor: str = "") -> tuple[list[dict[str, Any]], str]:
        """A page of a collection's objects (one owner's, or everyone's when ``user_id`` is empty).

        Returns ``(objects, next_cursor)``; the cursor is ``""`` on the last page.
        Example: ``objects, cursor = nk.storage_list(uid, "saves", 10)``
        """
        query = [("limit", str(limit))] + ([("cursor", cursor)] if cursor else [])
        if user_id:
            out = self._route("GET", "/v2/storage/{collection}/{user_id}", query=query,
                              match_info={"collection": collection, "user_id": user_id})
        else:
            out = self._route("GET", "/v2/storage/{collection}", query=query, match_info={"collection": collection})
        return [_decoded(o) for o in out.get("objects", [])], str(out.get("cursor", ""))

    def storage_delete(self, object_ids: list[dict[str, Any]]) -> None:
        """Delete objects of any owner (``version`` optional), all or nothing.

        Example: ``nk.storage_delete([{"collection": "saves", "key": "slot1", "user_id": uid}])``
        """
        self._route("PUT", "/v2/storage/delete", body={"object_ids": object_ids})

    # ---- leaderboards and tournaments -------------------------------------------------------
    def leaderboard_create(self, id: str, authoritative: bool = False, sort_order: str = "desc",
                           operator: str = "best", reset_schedule: str | None = None,
                           metadata: dict[str, Any] | None = None, enable_ranks: bool = False) -> None:
        """Declare a leaderboard (a no-op when it exists); records carry ranks only with ``enable_ranks``,
        as in Nakama. Example: ``nk.leaderboard_create("wins", True, enable_ranks=True)``"""
        self._server.create_leaderboard(id, sort_order=sort_order, operator=operator, reset_schedule=reset_schedule,
                                        metadata=metadata, authoritative=authoritative, enable_ranks=enable_ranks)

    def _record_body(self, score: int, subscore: int, metadata: dict[str, Any] | None,
                     operator: str | None) -> dict[str, Any]:
        record: dict[str, Any] = {"score": str(score), "subscore": str(subscore)}
        if metadata is not None:
            record["metadata"] = _json_text(metadata, "metadata")
        if operator:
            record["operator"] = {"INCR": "INCREMENT", "DECR": "DECREMENT"}.get(operator.upper(), operator.upper())
        return {"record": record}

    def leaderboard_record_write(self, id: str, owner_id: str, username: str = "", score: int = 0,
                                 subscore: int = 0, metadata: dict[str, Any] | None = None,
                                 override_operator: str | None = None) -> dict[str, Any]:
        """Submit a score for ``owner_id`` (authoritative boards too); returns the record with its rank.

        ``override_operator``: ``"best"``, ``"set"``, ``"increment"``, ``"decrement"`` or None.
        Example: ``nk.leaderboard_record_write("wins", uid, "ada", 1, override_operator="increment")``
        """
        return self._route("POST", "/v2/leaderboard/{leaderboard_id}", user_id=owner_id, username=username,
                           match_info={"leaderboard_id": id},
                           body=self._record_body(score, subscore, metadata, override_operator))

    def _records_list(self, path: str, key: str, id: str, owner_ids: list[str] | None, limit: int, cursor: str,
                      expiry: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        query = [("owner_ids", o) for o in owner_ids or []] + [("limit", str(limit))]
        query += ([("cursor", cursor)] if cursor else []) + ([("expiry", str(expiry))] if expiry else [])
        out = self._route("GET", path, match_info={key: id}, query=query)
        return (list(out.get("records", [])), list(out.get("owner_records", [])), str(out.get("next_cursor", "")),
                str(out.get("prev_cursor", "")))

    def leaderboard_records_list(self, id: str, owner_ids: list[str] | None = None, limit: int = 10,
                                 cursor: str = "", expiry: int = 0
                                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """``(records, owner_records, next_cursor, prev_cursor)`` of a leaderboard, best first.

        Example: ``records, mine, nxt, prev = nk.leaderboard_records_list("wins", [uid], 10)``
        """
        return self._records_list("/v2/leaderboard/{leaderboard_id}", "leaderboard_id", id, owner_ids, limit,
                                  cursor, expiry)

    def tournament_join(self, id: str, owner_id: str, username: str = "") -> None:
        """Join a tournament for ``owner_id``. Example: ``nk.tournament_join("cup", uid, "ada")``"""
        self._route("POST", "/v2/tournament/{tournament_id}/join", user_id=owner_id, username=username,
                    match_info={"tournament_id": id})

    def tournament_record_write(self, id: str, owner_id: str, username: str = "", score: int = 0,
                                subscore: int = 0, metadata: dict[str, Any] | None = None,
                                operator: str | None = None) -> dict[str, Any]:
        """Submit a tournament score for ``owner_id`` (same rules as the HTTP API, authoritative allowed).

        Example: ``nk.tournament_record_write("cup", uid, "ada", 50)``
        """
        return self._route("PUT", "/v2/tournament/{tournament_id}", user_id=owner_id, username=username,
                           match_info={"tournament_id": id}, body=self._record_body(score, subscore, metadata, operator))

    def tournament_records_list(self, id: str, owner_ids: list[str] | None = None, limit: int = 10,
                                cursor: str = "", override_expiry: int = 0
                                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, str]:
        """``(records, owner_records, next_cursor, prev_cursor)`` of a tournament.

        Example: ``records, _, _, _ = nk.tournament_records_list("cup")``
        """
        return self._records_list("/v2/tournament/{tournament_id}", "tournament_id", id, owner_ids, limit, cursor,
                                  override_expiry)

    # ---- notifications and wallets ----------------------------------------------------------
    def notification_send(self, user_id: str, subject: str, content: dict[str, Any], code: int,
                          sender_id: str | None = None, persistent: bool = False) -> None:
        """Push a notification to a user's sockets (and store it when ``persistent``).

        Example: ``nk.notification_send(uid, "reward", {"coins": 10}, 1, persistent=True)``
        """
        try:
            uuid.UUID(user_id)
        except (ValueError, TypeError, AttributeError) as exc:
            raise RuntimeFunctionError("expects user_id to be a valid UUID", INVALID_ARGUMENT) from exc
        if not subject:
            raise RuntimeFunctionError("expects subject to be a non-empty string", INVALID_ARGUMENT)
        if not isinstance(content, dict):
            raise RuntimeFunctionError("expects content to be a dict", INVALID_ARGUMENT)
        if code < 0:
            raise RuntimeFunctionError("expects code to be 0 or greater", INVALID_ARGUMENT)
        self._run(lambda hub: hub.notify(user_id, subject, dict(content), code, sender_id, persistent))

    def wallet_update(self, user_id: str, changeset: dict[str, int], metadata: dict[str, Any] | None = None,
                      update_ledger: bool = False) -> tuple[dict[str, int], dict[str, int]]:
        """Add ``changeset`` to a user's wallet (seen in ``GET /v2/account``); returns ``(updated, previous)``.

        A result below zero refuses the whole update. ``update_ledger`` records it for
        :meth:`wallet_ledger_list`. Example: ``nk.wallet_update(uid, {"coins": -5})``
        """
        if not isinstance(changeset, dict) or not all(isinstance(v, int) and not isinstance(v, bool)
                                                      for v in changeset.values()):
            raise RuntimeFunctionError("expects changeset to be a dict of ints", INVALID_ARGUMENT)
        meta = _json_text(metadata or {}, "metadata")

        def run(hub: Hub) -> tuple[dict[str, int], dict[str, int]]:
            with hub.db.transaction():
                row = hub.db.one("SELECT wallet FROM users WHERE id = ?", (user_id,))
                if row is None:
                    raise RuntimeFunctionError("user not found", NOT_FOUND)
                previous = {k: int(v) for k, v in json.loads(row["wallet"] or "{}").items()}
                updated = dict(previous)
                for path, amount in changeset.items():
                    value = updated.get(path, 0) + amount
                    if value < 0:
                        raise RuntimeFunctionError(f"wallet update rejected negative value at path '{path}'",
                                                   INVALID_ARGUMENT)
                    updated[path] = value
                hub.db.execute("UPDATE users SET wallet = ?, update_time = ? WHERE id = ?",
                               (json.dumps(updated, separators=(",", ":")), int(time.time()), user_id))
                if update_ledger:
                    seq = hub.db.scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM wallet_ledger")
                    hub.db.execute("INSERT INTO wallet_ledger (id, user_id, changeset, metadata, create_time, seq)"
                                   " VALUES (?, ?, ?, ?, ?, ?)",
                                   (str(uuid.uuid4()), user_id, json.dumps(changeset), meta, time.time(), seq))
            return updated, previous
        return self._run(run)

    def wallet_ledger_list(self, user_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The user's recorded wallet updates, oldest first. Example: ``nk.wallet_ledger_list(uid)``"""
        rows = self._run(lambda hub: hub.db.all("SELECT * FROM wallet_ledger WHERE user_id = ? ORDER BY seq"
                                                " LIMIT ?", (user_id, limit)))
        return [{"id": r["id"], "user_id": r["user_id"], "changeset": json.loads(r["changeset"]),
                 "metadata": json.loads(r["metadata"]), "create_time": int(r["create_time"])} for r in rows]

    # ---- streams --------------------------------------------------------------------------
    def _session(self, hub: Hub, user_id: str, session_id: str) -> Any:
        session = hub.sessions.get(session_id)
        if session is None or session.user_id != user_id:
            raise RuntimeFunctionError("session not found", NOT_FOUND)
        return session

    def stream_user_join(self, user_id: str, session_id: str, stream: dict[str, Any], hidden: bool = False,
                         persistence: bool = True) -> bool:
        """Put a socket in a stream; True when it was not in it yet (visible joins send presence events).

        ``stream``: ``{"mode": int, "subject": str, "subcontext": str, "label": str}``.
        Example: ``nk.stream_user_join(ctx.user_id, ctx.session_id, {"mode": 99, "label": "lobby"})``
        """
        key = _stream_key(stream)
        return self._run(lambda hub: bool(hub.streams.join(self._session(hub, user_id, session_id), key,  # type: ignore[attr-defined]
                                                           hidden, persistence)))

    def stream_user_leave(self, user_id: str, session_id: str, stream: dict[str, Any]) -> bool:
        """Take a socket out of a stream; True when it was in it. Example: ``nk.stream_user_leave(uid, sid, s)``"""
        key = _stream_key(stream)
        return self._run(lambda hub: bool(hub.streams.leave(self._session(hub, user_id, session_id), key)))  # type: ignore[attr-defined]

    def stream_user_list(self, stream: dict[str, Any], include_hidden: bool = True,
                         include_not_hidden: bool = True) -> list[dict[str, Any]]:
        """The presences in a stream (with ``node``, ``hidden``, ``persistence``), in join order.

        Example: ``nk.stream_user_list({"mode": 99, "label": "lobby"}, include_hidden=False)``
        """
        key = _stream_key(stream)

        def run(hub: Hub) -> list[dict[str, Any]]:
            members = hub.streams.streams.get(key, {})  # type: ignore[attr-defined]
            return [presence_of(session, node=hub.config.node, hidden=hidden, persistence=persistence)
                    for session, hidden, persistence in members.values()
                    if (include_hidden if hidden else include_not_hidden)]
        return self._run(run)

    def stream_count(self, stream: dict[str, Any]) -> int:
        """How many sockets are in a stream, hidden ones included. Example: ``nk.stream_count(s)``"""
        key = _stream_key(stream)
        return self._run(lambda hub: len(hub.streams.streams.get(key, {})))  # type: ignore[attr-defined]

    def stream_send(self, stream: dict[str, Any], data: str, reliable: bool = True) -> int:
        """Send ``stream_data`` (a string) to every socket in a stream; returns how many.

        Example: ``nk.stream_send({"mode": 99, "label": "lobby"}, "hello")``
        """
        if not isinstance(data, str):
            raise RuntimeFunctionError("expects data to be a str", INVALID_ARGUMENT)
        key = _stream_key(stream)
        return int(self._run(lambda hub: hub.streams.send(key, data, reliable)))  # type: ignore[attr-defined]

    # ---- matches --------------------------------------------------------------------------
    def match_create(self, module: str, params: dict[str, Any] | None = None) -> str:
        """Start an authoritative match with a registered handler; returns its ``"<uuid>.<node>"`` id.

        Example: ``match_id = nk.match_create("squares", {"arena": 640})``
        """
        return str(self._run(lambda hub: hub.matches.authoritative.create(module, dict(params or {}))))  # type: ignore[attr-defined]

    def match_get(self, match_id: str) -> dict[str, Any] | None:
        """A running match as ``match_list`` shows it, or None. Example: ``nk.match_get(match_id)``"""
        found = self._run(lambda hub: hub.matches.list_matches())  # type: ignore[attr-defined]
        return next((dict(m) for m in found if m["match_id"] == match_id), None)

    def match_list(self, limit: int = 1, authoritative: bool | None = None, label: str | None = None,
                   min_size: int | None = None, max_size: int | None = None,
                   query: str | None = None) -> list[dict[str, Any]]:
        """Running matches filtered as ``GET /v2/match`` does (``query`` searches authoritative labels).

        ``authoritative=None`` lists both kinds (Nakama's ``false`` lists relayed matches only).
        Example: ``nk.match_list(10, True, query="+label.open:1")``
        """
        q = [("limit", str(limit))]
        for name, value in (("authoritative", authoritative), ("label", label), ("min_size", min_size),
                            ("max_size", max_size), ("query", query)):
            if value is not None:
                q.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
        return list(self._route("GET", "/v2/match", query=q).get("matches", []))

    def match_signal(self, match_id: str, data: str) -> str:
        """Call the match's ``match_signal`` handler; returns its answer. Example: ``nk.match_signal(mid, "stop")``"""
        return str(self._run(lambda hub: hub.matches.authoritative.signal(match_id, data)))  # type: ignore[attr-defined]
