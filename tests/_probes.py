"""The hostile-request table of tests/test_hostile_probe.py: what Nakama 3.40 answers, request by request.

Each :class:`Probe` is one HTTP request and the exact answer a real Nakama gives it (status, and the
gRPC ``code`` of the JSON error body when there is one). Paths and bodies may name the objects of the
probe's world with ``{alice}``, ``{bob}``, ``{carol}``, ``{dave}`` (user ids; dave only joins G, by the
probe of a body-less route), ``{G}`` (an open group: alice
superadmin, bob member), ``{H}`` (a closed group of alice), ``{Gname}``/``{Hname}`` (their names),
``{nil}`` (a well-formed but unknown UUID), ``{alicetoken}`` (a user's session token), ``{forged}`` and
``{expired}`` (forged tokens).
``auth`` is who sends it: a user name, ``"none"``, ``"basic"`` (the server key), ``"badkey"`` (a wrong
server key) or one of the forged tokens (``"forged"``, ``"alg_none"``, ``"expired"``, ``"garbage"``).

The table is grouped by the class of the issue (authorization, bad types, bad cursors, limits, paths);
:data:`PROBES` is the whole of it.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["PROBES", "Probe", "cursor_text"]


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    status: int
    code: int | None = None          # the JSON body's gRPC code; None: the body is not checked
    body: Any = None                 # JSON-encoded unless bytes
    auth: str = "alice"
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def cursor_text(value: Any) -> str:
    """A cursor that is valid base64url of JSON ``value`` (the shape our dev server uses), unpadded."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# ---- authorization: every protected route refuses a missing, forged, expired or foreign token ---------
_BEARER_ROUTES = [
    ("GET", "/v2/account"),
    ("PUT", "/v2/account"),
    ("DELETE", "/v2/account"),
    ("GET", "/v2/user?ids={bob}"),
    ("GET", "/v2/friend"),
    ("POST", "/v2/friend?ids={bob}"),
    ("GET", "/v2/group?name=x"),
    ("POST", "/v2/group"),
    ("POST", "/v2/group/{G}/join"),
    ("POST", "/v2/group/{G}/kick?user_ids={bob}"),
    ("GET", "/v2/storage/probe"),
    ("PUT", "/v2/storage"),
    ("POST", "/v2/storage"),
    ("PUT", "/v2/storage/delete"),
    ("GET", "/v2/notification"),
    ("GET", "/v2/channel/2...{G}"),
    ("POST", "/v2/session/logout"),
]
_AUTH: list[Probe] = []
for _method, _path in _BEARER_ROUTES:
    _AUTH.append(Probe(f"no token {_method} {_path}", _method, _path, 401, 16, {}, "none", "Auth token required"))
    for _forged in ("forged", "alg_none", "expired", "garbage", "basic"):
        _AUTH.append(Probe(f"{_forged} token {_method} {_path}", _method, _path, 401, 16, {}, _forged,
                           "Auth token invalid"))
for _path in ("/v2/account/authenticate/device", "/v2/account/authenticate/custom",
              "/v2/account/authenticate/email", "/v2/account/session/refresh"):
    _AUTH.append(Probe(f"no server key {_path}", "POST", _path, 401, 16, {"id": "probe-device-000"}, "none",
                       "Server key required"))
    _AUTH.append(Probe(f"wrong server key {_path}", "POST", _path, 401, 16, {"id": "probe-device-000"}, "badkey",
                       "Server key invalid"))
    _AUTH.append(Probe(f"bearer instead of server key {_path}", "POST", _path, 401, 16,
                       {"id": "probe-device-000"}, "alice", "Server key invalid"))

# ---- acting on what is not yours ---------------------------------------------------------------------
_FOREIGN = [
    Probe("bob reads alice's private object", "POST", "/v2/storage", 200, None,
          {"object_ids": [{"collection": "probe", "key": "private", "user_id": "{alice}"}]}, "bob"),
    Probe("bob deletes alice's object", "PUT", "/v2/storage/delete", 400, 3,
          {"object_ids": [{"collection": "probe", "key": "private"}]}, "bob",
          "Storage delete rejected - not found, version check failed, or permission denied."),
    Probe("bob updates a group he is a member of", "PUT", "/v2/group/{G}", 404, 5, {"name": "stolen"}, "bob",
          "Group not found or you're not allowed to update."),
    Probe("bob deletes the group", "DELETE", "/v2/group/{G}", 400, 3, None, "bob",
          "Group not found or you're not allowed to delete."),
    Probe("carol deletes the group", "DELETE", "/v2/group/{G}", 400, 3, None, "carol",
          "Group not found or you're not allowed to delete."),
    Probe("deleting an unknown group", "DELETE", "/v2/group/{nil}", 400, 3, None, "alice",
          "Group not found or you're not allowed to delete."),
    Probe("updating an unknown group", "PUT", "/v2/group/{nil}", 404, 5, {"name": "x"}, "alice",
          "Group not found or you're not allowed to update."),
    Probe("joining an unknown group", "POST", "/v2/group/{nil}/join", 404, 5, None, "bob", "Group not found."),
]
for _op in ("add", "kick", "ban", "promote", "demote"):
    _FOREIGN.append(Probe(f"member {_op}s in the group", "POST", f"/v2/group/{{G}}/{_op}?user_ids={{carol}}", 404, 5,
                          None, "bob", "Group not found or permission denied."))
    _FOREIGN.append(Probe(f"outsider {_op}s in the group", "POST", f"/v2/group/{{G}}/{_op}?user_ids={{bob}}", 404, 5,
                          None, "carol", "Group not found or permission denied."))
    _FOREIGN.append(Probe(f"{_op} in an unknown group", "POST", f"/v2/group/{{nil}}/{_op}?user_ids={{bob}}", 404, 5,
                          None, "alice", "Group not found or permission denied."))
    _FOREIGN.append(Probe(f"{_op} with a malformed group id", "POST", f"/v2/group/nope/{_op}?user_ids={{bob}}", 400,
                          3, None, "alice", "Group ID must be a valid ID."))
    _FOREIGN.append(Probe(f"{_op} with a malformed user id", "POST", f"/v2/group/{{G}}/{_op}?user_ids=nope", 400,
                          3, None, "alice", "User ID must be a valid ID."))

# ---- values of the wrong type where the API has a typed field ----------------------------------------
_TYPES: list[Probe] = []
for _bad_name, _bad in (("object", {"a": 1}), ("list", ["k"]), ("number", 5), ("bool", True)):
    for _field in ("collection", "key"):
        other = "key" if _field == "collection" else "collection"
        _TYPES.append(Probe(f"storage read, {_field} as {_bad_name}", "POST", "/v2/storage", 400, 3,
                            {"object_ids": [{_field: _bad, other: "k", "user_id": "{alice}"}]}))
        _TYPES.append(Probe(f"storage delete, {_field} as {_bad_name}", "PUT", "/v2/storage/delete", 400, 3,
                            {"object_ids": [{_field: _bad, other: "k"}]}))
        _TYPES.append(Probe(f"storage write, {_field} as {_bad_name}", "PUT", "/v2/storage", 400, 3,
                            {"objects": [{_field: _bad, other: "k", "value": "{}"}]}))
    _TYPES.append(Probe(f"storage write, value as {_bad_name}", "PUT", "/v2/storage", 400, 3,
                        {"objects": [{"collection": "c", "key": "k", "value": _bad}]}))
    _TYPES.append(Probe(f"group create, name as {_bad_name}", "POST", "/v2/group", 400, 3, {"name": _bad}))
_TYPES += [
    Probe("storage write, permission_read as a word", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "{}", "permission_read": "x"}]}),
    Probe("storage write, permission_read beyond int32", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "{}", "permission_read": 2 ** 40}]}),
    Probe("storage write, objects as an object", "PUT", "/v2/storage", 400, 3, {"objects": {"a": 1}}),
    Probe("storage read, object_ids as a string", "POST", "/v2/storage", 400, 3, {"object_ids": "x"}),
    Probe("storage write, body is a list", "PUT", "/v2/storage", 400, 3, [1, 2]),
    Probe("storage write, body is not JSON", "PUT", "/v2/storage", 400, 3, b"{nope"),
    Probe("group create, open as a word", "POST", "/v2/group", 400, 3, {"name": "g-open-word", "open": "yes"}),
    Probe("group create, max_count as a word", "POST", "/v2/group", 400, 3, {"name": "g-max-word", "max_count": "x"}),
    Probe("group create, max_count zero is the default", "POST", "/v2/group", 400, 3,
          {"name": "", "max_count": 0}, "alice", "Group name must be set."),
    Probe("group create, negative max_count", "POST", "/v2/group", 400, 3, {"name": "g-neg", "max_count": -1},
          "alice", "Group max count must be >= 1 when set."),
    Probe("group update, nothing to change", "PUT", "/v2/group/{G}", 400, 3, {}, "alice",
          "Specify at least one field to update."),
    Probe("group update, empty name", "PUT", "/v2/group/{G}", 400, 3, {"name": ""}, "alice",
          "Group name cannot be empty."),
    Probe("group update, empty lang", "PUT", "/v2/group/{G}", 400, 3, {"lang_tag": ""}, "alice",
          "Group language cannot be empty."),
    Probe("group update to a taken name", "PUT", "/v2/group/{G}", 400, 3, {"name": "{Hname}"}, "alice",
          "Group name is in use."),
    Probe("account update, username as a number", "PUT", "/v2/account", 400, 3, {"username": 5}),
    Probe("deeply nested body", "PUT", "/v2/storage", 400, 3, b"[" * 100000 + b"]" * 100000),
]

# ---- cursors that decode to something unexpected ---------------------------------------------------------
_BAD_CURSORS = {
    "object": cursor_text({"a": 1}),
    "empty list": cursor_text([]),
    "strings": cursor_text(["a", "b", "c"]),
    "huge ints": cursor_text([2 ** 70, 2 ** 70, 2 ** 70]),
    "not base64": "!!!",
    "not JSON": base64.urlsafe_b64encode(b"\xff\xfe garbage").decode(),
}
_LISTINGS = [
    ("storage", "/v2/storage/probe?cursor={c}"),
    ("storage of a user", "/v2/storage/probe/{alice}?cursor={c}"),
    ("friends", "/v2/friend?cursor={c}"),
    ("group users", "/v2/group/{G}/user?cursor={c}"),
    ("user groups", "/v2/user/{alice}/group?cursor={c}"),
    ("channel history", "/v2/channel/2...{G}?cursor={c}"),
]
_CURSORS = [Probe(f"{where} cursor {kind}", "GET", path.replace("{c}", text), 400, 3)
            for where, path in _LISTINGS for kind, text in _BAD_CURSORS.items()]
# Nakama 3.40 answers any bad group-list cursor with an internal error (its own 500, logged as such)
_CURSORS += [Probe(f"groups cursor {kind}", "GET", f"/v2/group?limit=10&cursor={text}", 500, 13, None, "alice",
                   "Error while trying to list groups.") for kind, text in _BAD_CURSORS.items()]

# ---- integers beyond their protobuf type in the query ------------------------------------------------------
_BIG = "99999999999999999999"
_QUERY_INTS = [
    Probe("group list members beyond int32", "GET", f"/v2/group?members={_BIG}", 400, 3,
          message=f'parsing field "members": strconv.ParseInt: parsing "{_BIG}": value out of range'),
    Probe("group list limit beyond int32", "GET", "/v2/group?limit=4294967296", 400, 3),
    Probe("group list limit with underscores", "GET", "/v2/group?limit=1_0", 400, 3),
    Probe("group list limit with a space", "GET", "/v2/group?limit=%201", 400, 3),
    Probe("group list limit as a word", "GET", "/v2/group?limit=ten", 400, 3),
    Probe("group users state beyond int32", "GET", f"/v2/group/{{G}}/user?state={_BIG}", 400, 3),
    Probe("user groups limit beyond int32", "GET", f"/v2/user/{{alice}}/group?limit={_BIG}", 400, 3),
    Probe("friends state beyond int32", "GET", f"/v2/friend?state={_BIG}", 400, 3),
    Probe("friends limit beyond int32", "GET", f"/v2/friend?limit={_BIG}", 400, 3),
    Probe("friends of friends limit beyond int32", "GET", f"/v2/friend/friends?limit={_BIG}", 400, 3),
    Probe("storage list limit beyond int32", "GET", f"/v2/storage/probe?limit={_BIG}", 400, 3),
    Probe("channel history limit beyond int32", "GET", f"/v2/channel/2...{{G}}?limit={_BIG}", 400, 3),
    Probe("notifications limit beyond int32", "GET", f"/v2/notification?limit={_BIG}", 400, 3),
    Probe("leaderboard expiry beyond int64", "GET", f"/v2/leaderboard/probe?expiry={_BIG}", 400, 3,
          message=f'parsing field "expiry": strconv.ParseInt: parsing "{_BIG}": value out of range'),
    Probe("tournament list start_time negative", "GET", "/v2/tournament?start_time=-1", 400, 3),
    Probe("tournament list category beyond uint32", "GET", "/v2/tournament?category_start=4294967296", 400, 3),
    Probe("match list min_size beyond int32", "GET", f"/v2/match?min_size={_BIG}", 400, 3),
    Probe("group list open not a bool", "GET", "/v2/group?open=maybe", 400, 3,
          message='parsing field "open": strconv.ParseBool: parsing "maybe": invalid syntax'),
    Probe("authenticate create not a bool, before the server key", "POST",
          "/v2/account/authenticate/device?create=maybe", 400, 3, {"id": "probe-device-000"}, "none",
          'parsing field "create": strconv.ParseBool: parsing "maybe": invalid syntax'),
    Probe("channel history forward not a bool", "GET", "/v2/channel/2...room?forward=maybe", 400, 3),
    Probe("steam friend import reset not a bool", "POST", "/v2/friend/steam?reset=maybe", 400, 3, {"token": "x"}),
    Probe("steam friend import vars not strings", "POST", "/v2/friend/steam", 400, 3,
          {"token": "x", "vars": {"a": 1}}),
    Probe("match list authoritative not a bool", "GET", "/v2/match?authoritative=yes", 400, 3),
]

# ---- sizes and bytes Postgres refuses -----------------------------------------------------------------------
_LIMITS = [
    Probe("storage write, 129-character collection", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c" * 129, "key": "k", "value": "{}"}]}, "alice", "Error writing storage objects."),
    Probe("storage write, 10,000-character key", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c", "key": "k" * 10000, "value": "{}"}]}, "alice",
          "Error writing storage objects."),
    Probe("storage write, NUL in the collection", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c\x00", "key": "k", "value": "{}"}]}, "alice", "Error writing storage objects."),
    Probe("storage write, NUL in the value", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c", "key": "k", "value": '{"a": "\\u0000"}'}]}, "alice",
          "Error writing storage objects."),
    Probe("storage read, NUL in the key", "POST", "/v2/storage", 500, 13,
          {"object_ids": [{"collection": "c", "key": "k\x00", "user_id": "{alice}"}]}, "alice",
          "Error reading storage objects."),
    Probe("storage read, 10,000-character key", "POST", "/v2/storage", 200, None,
          {"object_ids": [{"collection": "c", "key": "k" * 10000, "user_id": "{alice}"}]}),
    Probe("group create, 10,000-character name", "POST", "/v2/group", 500, 13, {"name": "g" * 10000}, "alice",
          "Error while trying to create group."),
    Probe("group create, NUL in the name", "POST", "/v2/group", 500, 13, {"name": "g\x00"}, "alice",
          "Error while trying to create group."),
    Probe("group create, 19-character lang tag", "POST", "/v2/group", 500, 13,
          {"name": "g-long-lang", "lang_tag": "l" * 19}, "alice", "Error while trying to create group."),
    Probe("group update, NUL in the description", "PUT", "/v2/group/{G}", 500, 13, {"description": "d\x00"},
          "alice", "Error while trying to update group."),
    Probe("body over the size limit", "PUT", "/v2/storage", 400, 3, b'{"objects": "' + b"x" * 300000 + b'"}',
          "alice", "http: request body too large"),
    Probe("gzip body that is not gzip: read as no body", "PUT", "/v2/storage", 200, None, b"not gzip at all",
          "alice", headers=(("Content-Encoding", "gzip"),)),
    Probe("URL of 8.5 KiB", "GET", "/v2/user?ids=" + "a" * 8500, 400, 3),
    Probe("URL of 10 KiB", "GET", "/v2/user?ids=" + "a" * 10000, 431),
    Probe("header of 10 KiB", "GET", "/v2/account", 431, headers=(("X-Probe", "h" * 10000),)),
]

# ---- paths ---------------------------------------------------------------------------------------------------
_PATHS = [
    Probe("encoded .. segments", "GET", "/v2/storage/..%2F..%2Fetc%2Fpasswd", 301),
    Probe("plain .. segments", "GET", "/v2/storage/probe/../../account", 301),
    Probe("double slash", "GET", "/v2//account", 301),
    Probe("dot segment", "GET", "/v2/./account", 301),
    Probe("encoded .. in a group id", "POST", "/v2/group/..%2F..%2Fv2%2Fgroup/join", 301),
    Probe("unknown path", "GET", "/v2/nothing-here", 404, 5, None, "alice", "Not Found"),
    Probe("unknown method on a known path", "PATCH", "/v2/account", 501, 12, None, "alice", "Method Not Allowed"),
    Probe("malformed group id in the path", "PUT", "/v2/group/not-a-uuid", 400, 3, {"name": "x"}, "alice",
          "Group ID must be a valid ID."),
    Probe("malformed user id in a storage listing", "GET", "/v2/storage/probe/not-a-uuid", 400, 3, None, "alice",
          "Invalid user ID - make sure user ID is a valid UUID."),
    Probe("encoded slash inside a collection: routed as a user id", "GET", "/v2/storage/a%2Fb", 400, 3, None,
          "alice", "Invalid user ID - make sure user ID is a valid UUID."),
]

# ---- scores beyond int64 (nsync_incr: tests/nakama_module.lua, tests/_rpcs.py; overflow by increments: the tests) --
_SCORES = [
    Probe("incr leaderboard: score beyond int64", "POST", "/v2/leaderboard/nsync_incr", 400, 3,
          {"score": str(2 ** 63)}, "carol"),
    Probe("incr leaderboard: score beyond int64 as a number", "POST", "/v2/leaderboard/nsync_incr", 400, 3,
          {"score": 2 ** 64}, "carol"),
    Probe("incr leaderboard: subscore as a word", "POST", "/v2/leaderboard/nsync_incr", 400, 3,
          {"subscore": "abc"}, "carol"),
]

# ---- body fields of the wrong JSON type, refused as protojson refuses them (before the auth check) ---------------
_BODY_TYPES = [
    Probe("leaderboard score as an object", "POST", "/v2/leaderboard/nsync_incr", 400, 3, {"score": {"a": 1}}),
    Probe("leaderboard score 1.5", "POST", "/v2/leaderboard/nsync_incr", 400, 3, {"score": 1.5}),
    Probe("leaderboard operator beyond int32", "POST", "/v2/leaderboard/nsync_incr", 400, 3, {"operator": 2 ** 40}),
    Probe("leaderboard score as \"1e2\"", "POST", "/v2/leaderboard/nsync_incr", 200, None, {"score": "1e2"}, "bob"),
    Probe("event name as a number", "POST", "/v2/event", 400, 3, {"name": 5}),
    Probe("event properties not strings", "POST", "/v2/event", 400, 3, {"name": "e", "properties": {"a": 1}}),
    Probe("event timestamp not a time", "POST", "/v2/event", 400, 3, {"name": "e", "timestamp": "yesterday"}),
    Probe("account display name as a number", "PUT", "/v2/account", 400, 3, {"display_name": 5}),
    Probe("link device, id as a number", "POST", "/v2/account/link/device", 400, 3, {"id": 12345678901}),
    Probe("authenticate device, vars not strings", "POST", "/v2/account/authenticate/device", 400, 3,
          {"id": "probe-device-001", "vars": {"a": 1}}, "basic"),
    Probe("authenticate email, password as a number", "POST", "/v2/account/authenticate/email", 400, 3,
          {"email": "a@b.cd", "password": 12345678}, "basic"),
    Probe("session refresh, token as a number", "POST", "/v2/account/session/refresh", 400, 3, {"token": 5},
          "basic"),
    Probe("logout, token as a number", "POST", "/v2/session/logout", 400, 3, {"token": 5}, "carol"),
    Probe("storage write, a null object", "PUT", "/v2/storage", 400, 3, {"objects": [None]}),
    Probe("storage read, an id that is a string", "POST", "/v2/storage", 400, 3, {"object_ids": ["x"]}),
    Probe("group update, open as \"true\"", "PUT", "/v2/group/{G}", 400, 3, {"open": "true"}),
    Probe("subscription list, limit as a bool", "POST", "/v2/iap/subscription", 400, 3, {"limit": True}),
    Probe("query integer of 5,000 digits", "GET", "/v2/group?limit=" + "9" * 5000, 400, 3),
]

# ---- more refusals, each as a real Nakama 3.40 answered it ------------------------------------------------------
_BAD_ID = "Invalid user ID 'nope'."
_NAKAMA = [
    Probe("DM history of two other users", "GET", "/v2/channel/4.{alice}.{bob}", 400, 3, None, "carol",
          "Invalid channel ID."),
    Probe("group history by a non-member", "GET", "/v2/channel/3.{H}..", 400, 3, None, "carol", "Group not found."),
    Probe("room history with a malformed channel id", "GET", "/v2/channel/xyz", 400, 3, None, "carol",
          "Invalid channel ID."),
    Probe("friend add, malformed id", "POST", "/v2/friend?ids=nope", 400, 3, None, "alice", _BAD_ID),
    Probe("friend add self", "POST", "/v2/friend?ids={alice}", 400, 3, None, "alice", "Cannot add self as friend."),
    Probe("friend add unknown user: no effect", "POST", "/v2/friend?ids={nil}", 200),
    Probe("friend delete, malformed id", "DELETE", "/v2/friend?ids=nope", 400, 3, None, "alice", _BAD_ID),
    Probe("friend block, malformed id", "POST", "/v2/friend/block?ids=nope", 400, 3, None, "alice", _BAD_ID),
    Probe("friend add, unknown username", "POST", "/v2/friend?usernames=nobody-here-at-all", 400, 3, None, "alice",
          "No valid ID or username was provided."),
    Probe("notification delete, malformed id", "DELETE", "/v2/notification?ids=nope", 500, 13, None, "alice",
          "Error while deleting notifications."),
    Probe("RPC with a wrong http key", "POST", "/v2/rpc/nsync_echo?http_key=wrong", 401, 16, b'"x"', "none",
          "HTTP key invalid"),
    Probe("RPC without any key", "POST", "/v2/rpc/nsync_echo", 401, 16, b'"x"', "none",
          "Auth token or HTTP key required"),
    Probe("RPC unknown id", "POST", "/v2/rpc/nope_nope", 404, 5, b'"x"', "alice", "RPC function not found"),
    Probe("group users of an unknown group: nobody", "GET", "/v2/group/{nil}/user", 200),
    Probe("group users, malformed group id", "GET", "/v2/group/nope/user", 400, 3, None, "alice",
          "Group ID must be a valid ID."),
    Probe("user groups, malformed user id", "GET", "/v2/user/nope/group", 400, 3, None, "alice",
          "Group ID must be a valid ID."),
    Probe("leaving an unknown group: no effect", "POST", "/v2/group/{nil}/leave", 200),
    Probe("leave, malformed group id", "POST", "/v2/group/nope/leave", 400, 3, None, "alice",
          "Group ID must be a valid ID."),
    Probe("join, malformed group id", "POST", "/v2/group/nope/join", 400, 3, None, "alice",
          "Group ID must be a valid ID."),
    Probe("delete, malformed group id", "DELETE", "/v2/group/nope", 400, 3, None, "alice",
          "Group ID must be a valid ID."),
    Probe("group add without user ids: no effect", "POST", "/v2/group/{G}/add", 200),
    Probe("group demote without user ids", "POST", "/v2/group/{G}/demote", 400, 3, None, "alice",
          "User IDs must be set."),
    Probe("group add an unknown user", "POST", "/v2/group/{G}/add?user_ids={nil}", 400, 3, None, "alice",
          "One or more users not found."),
    Probe("group kick self: skipped", "POST", "/v2/group/{G}/kick?user_ids={alice}", 200),
    Probe("group ban self: skipped", "POST", "/v2/group/{G}/ban?user_ids={alice}", 200),
    Probe("group list, name with another filter", "GET", "/v2/group?name=x&open=true", 400, 3, None, "alice",
          "name filter cannot be combined with any other filter"),
    Probe("group list, name with members", "GET", "/v2/group?name=x&members=1", 400, 3, None, "alice",
          "name filter cannot be combined with any other filter"),
    Probe("group list limit 0", "GET", "/v2/group?limit=0", 400, 3, None, "alice",
          "Invalid limit - limit must be between 1 and 100."),
    Probe("group create, max_count beyond int32", "POST", "/v2/group", 400, 3, {"name": "g-max", "max_count": 2 ** 31}),
    Probe("group create, 256-character description", "POST", "/v2/group", 500, 13,
          {"name": "g-desc", "description": "d" * 256}, "alice", "Error while trying to create group."),
    Probe("group create, 513-character avatar url", "POST", "/v2/group", 500, 13,
          {"name": "g-avatar", "avatar_url": "a" * 513}, "alice", "Error while trying to create group."),
    Probe("group create, 256-character name", "POST", "/v2/group", 500, 13, {"name": "n" * 256}, "alice",
          "Error while trying to create group."),
    Probe("group update, 10,000-character name", "PUT", "/v2/group/{G}", 500, 13, {"name": "x" * 10000}, "alice",
          "Error while trying to update group."),
    Probe("group update, name as a number", "PUT", "/v2/group/{G}", 400, 3, {"name": 5}),
    Probe("group update, open as a word", "PUT", "/v2/group/{G}", 400, 3, {"open": "yes"}),
    Probe("users, malformed id", "GET", "/v2/user?ids=nope", 400, 3, None, "alice",
          "ID 'nope' is not a valid system ID."),
    Probe("storage list limit 0", "GET", "/v2/storage/probe?limit=0", 400, 3, None, "alice",
          "Invalid limit - limit must be between 1 and 100."),
    Probe("storage list, malformed user_id query", "GET", "/v2/storage/probe?user_id=nope", 400, 3, None, "alice",
          "Invalid user ID - make sure user ID is a valid UUID."),
    Probe("storage list, NUL in the collection", "GET", "/v2/storage/a%00b", 500, 13, None, "alice",
          "Error listing storage objects."),
    Probe("storage write, version as a number", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "{}", "version": 5}]}),
    Probe("storage write, permission 1.5", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "{}", "permission_read": 1.5}]}),
    Probe("storage write, value a JSON array", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "[1]"}]}, "alice", "Value must be a JSON object."),
    Probe("storage write, value not JSON", "PUT", "/v2/storage", 400, 3,
          {"objects": [{"collection": "c", "key": "k", "value": "{"}]}, "alice", "Value must be a JSON object."),
    Probe("storage write, NUL in the key", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c", "key": "k\x00", "value": "{}"}]}, "alice", "Error writing storage objects."),
    Probe("storage write, NUL in a value's key", "PUT", "/v2/storage", 500, 13,
          {"objects": [{"collection": "c", "key": "k", "value": '{"a\\u0000": 1}'}]}, "alice",
          "Error writing storage objects."),
    Probe("storage delete, NUL in the collection", "PUT", "/v2/storage/delete", 500, 13,
          {"object_ids": [{"collection": "c\x00", "key": "k"}]}, "alice", "Error deleting storage objects."),
    Probe("storage delete, 10,000-character key", "PUT", "/v2/storage/delete", 400, 3,
          {"object_ids": [{"collection": "c", "key": "k" * 10000}]}, "alice",
          "Storage delete rejected - not found, version check failed, or permission denied."),
    Probe("storage read, user_id as a number", "POST", "/v2/storage", 400, 3,
          {"object_ids": [{"collection": "c", "key": "k", "user_id": 5}]}),
    Probe("body null", "PUT", "/v2/storage", 400, 3, b"null"),
    Probe("body a JSON string", "PUT", "/v2/storage", 400, 3, b'"x"'),
    Probe("body a key given twice", "PUT", "/v2/storage", 400, 3, b'{"objects": [], "objects": []}'),
    Probe("body a nested key given twice", "PUT", "/v2/storage", 400, 3,
          b'{"objects": [{"collection": "a", "collection": "b", "key": "k", "value": "{}"}]}'),
    Probe("body with trailing garbage: read up to the first value", "PUT", "/v2/storage", 200, None, b"{} x"),
    Probe("leaderboard around a malformed owner", "GET", "/v2/leaderboard/nsync_incr/owner/nope", 400, 3),
    Probe("leaderboard, malformed owner_ids", "GET", "/v2/leaderboard/nsync_incr?owner_ids=nope", 400, 3, None,
          "alice", "One or more owner IDs are invalid."),
    Probe("leaderboard, garbage cursor", "GET", "/v2/leaderboard/nsync_incr?cursor=abc", 400, 3),
    Probe("friends of friends, garbage cursor", "GET", "/v2/friend/friends?cursor=abc", 400, 3, None, "alice",
          "Cursor is invalid."),
    Probe("match list limit 1000", "GET", "/v2/match?limit=1000", 400, 3, None, "alice",
          "Invalid limit - limit must be between 1 and 100."),
    Probe("OPTIONS preflight", "OPTIONS", "/v2/account", 200, None, None, "none",
          headers=(("Origin", "http://x"), ("Access-Control-Request-Method", "GET"))),
    Probe("OPTIONS on an unknown path", "OPTIONS", "/v2/nope", 200, None, None, "none"),
    Probe("HEAD on a GET route", "HEAD", "/v2/account", 501),
    Probe("steam friend import: not configured", "POST", "/v2/friend/steam", 400, 9, {"token": "x"}, "alice",
          "Steam authentication is not configured."),
    Probe("steam friend import, token as a number", "POST", "/v2/friend/steam", 400, 3, {"token": 5}),
    Probe("facebook friend import, token as a number", "POST", "/v2/friend/facebook", 400, 3, {"token": 5}),
    Probe("facebook friend import, no token", "POST", "/v2/friend/facebook", 400, 3, {}, "alice",
          "Facebook token is required."),
    Probe("friend add, NUL in a username", "POST", "/v2/friend?ids={bob}&usernames=%00", 500, 13, None, "alice",
          "Error while trying to add friends."),
    Probe("friend delete, NUL in a username", "DELETE", "/v2/friend?usernames=%00", 500, 13, None, "alice",
          "Error while trying to delete friends."),
    Probe("friend block, NUL in a username", "POST", "/v2/friend/block?usernames=%00", 500, 13, None, "alice",
          "Error while trying to block friends."),
    Probe("group list, NUL in the name", "GET", "/v2/group?name=%00", 500, 13, None, "alice",
          "Error while trying to list groups."),
    Probe("group list, NUL in the lang tag", "GET", "/v2/group?lang_tag=%00", 500, 13, None, "alice",
          "Error while trying to list groups."),
    Probe("storage list, NUL in the cursor", "GET", "/v2/storage/probe?cursor=%00", 400, 3, None, "alice",
          "Malformed cursor was used."),
    Probe("room history, NUL in the room name", "GET", "/v2/channel/2...%00", 500, 13, None, "alice",
          "Error listing messages from channel."),
    Probe("room history, 65-character room name", "GET", "/v2/channel/2..." + "r" * 65, 400, 3, None, "alice",
          "Invalid channel ID."),
    Probe("room history, 64-character room name", "GET", "/v2/channel/2..." + "r" * 64, 200),
    Probe("bad JSON body without a token: the body is read first", "PUT", "/v2/storage", 400, 3, b"{nope", "none"),
    Probe("JSON list body with a forged token", "POST", "/v2/group", 400, 3, b"[]", "forged"),
    Probe("a known field twice without a server key", "POST", "/v2/account/authenticate/device", 400, 3,
          b'{"id": "a", "id": "b"}', "none"),
    Probe("an unknown field twice is discarded", "PUT", "/v2/storage", 401, 16, b'{"zz": 1, "zz": 2}', "none",
          "Auth token required"),
    Probe("bad JSON body on a route without a body: never read", "POST", "/v2/group/{G}/join", 200, None,
          b"{nope", "dave"),
    Probe("notifications, a cursor that is not one", "GET", "/v2/notification?cacheable_cursor=abc", 500, 13, None,
          "alice", "Error retrieving notifications."),
    Probe("subscription list, a cursor that is not one", "POST", "/v2/iap/subscription", 500, 2, {"cursor": "abc"},
          "alice", "subscriptions list cursor invalid"),
    Probe("Google purchase without a purchase: store not configured", "POST", "/v2/iap/purchase/google", 400, 9,
          {}, "alice", "Google IAP is not configured."),
    Probe("Huawei purchase without a purchase: store not configured", "POST", "/v2/iap/purchase/huawei", 400, 9,
          {}, "alice", "Huawei IAP is not configured."),
    Probe("Apple subscription without a receipt: store not configured", "POST", "/v2/iap/subscription/apple",
          400, 9, {}, "alice", "Apple IAP is not configured."),
    Probe("Apple purchase without a receipt", "POST", "/v2/iap/purchase/apple", 400, 3, {}, "alice",
          "Receipt cannot be empty."),
    Probe("socket route with POST", "POST", "/ws", 404, 5, None, "none", "Not Found"),
    Probe("root with DELETE", "DELETE", "/", 404, 5, None, "none", "Not Found"),
    Probe("socket upgrade without upgrade headers", "GET", "/ws?token={alicetoken}", 400, None, None, "none"),
    Probe("socket with Basic auth", "GET", "/ws", 401, None, None, "basic"),
    Probe("socket with a bad format", "GET", "/ws?format=xml", 400, None, None, "none"),
    Probe("socket without a token", "GET", "/ws", 401, None, None, "none"),
    Probe("socket with a forged token", "GET", "/ws?token={forged}", 401, None, None, "none"),
    Probe("socket with an expired token", "GET", "/ws?token={expired}", 401, None, None, "none"),
]

# ---- accounts, leaderboards and parties: the order of Nakama's checks and its own answers -------------------
_LAST = "Cannot unlink last account identifier. Check profile exists and is not last link."
_UPDATE_FAILED = "Error while trying to update account."
_ACCOUNTS = [
    Probe("account update, nothing to change", "PUT", "/v2/account", 400, 3, {}, "dave", "No fields to update."),
    Probe("account update, only nulls", "PUT", "/v2/account", 400, 3, {"display_name": None, "username": None},
          "dave", "No fields to update."),
    Probe("account update, 129-byte username", "PUT", "/v2/account", 400, 3, {"username": "u" * 129}, "dave",
          "Username invalid, must be 1-128 bytes."),
    Probe("account update, NUL in the display name", "PUT", "/v2/account", 500, 13, {"display_name": "d\x00"},
          "dave", _UPDATE_FAILED),
    Probe("account update, 256-character location", "PUT", "/v2/account", 500, 13, {"location": "l" * 256},
          "dave", _UPDATE_FAILED),
    Probe("account update, 513-character avatar url", "PUT", "/v2/account", 500, 13, {"avatar_url": "a" * 513},
          "dave", _UPDATE_FAILED),
    Probe("account update, 19-character lang tag", "PUT", "/v2/account", 500, 13, {"lang_tag": "l" * 19},
          "dave", _UPDATE_FAILED),
    Probe("account update, empty lang tag (NULL where Postgres wants a value)", "PUT", "/v2/account", 500, 13,
          {"lang_tag": ""}, "dave", _UPDATE_FAILED),
    Probe("account update, 18 two-byte letters fit the lang tag", "PUT", "/v2/account", 200, None,
          {"lang_tag": "\u00e9" * 18}, "dave"),
    Probe("users, NUL in a username", "GET", "/v2/user?usernames=%00", 500, 13, None, "alice",
          "Error retrieving user accounts."),
    Probe("users, NUL in a facebook id", "GET", "/v2/user?facebook_ids=%00", 500, 13, None, "alice",
          "Error retrieving user accounts."),
    Probe("unlink custom without an id: the account keeps its device", "POST", "/v2/account/unlink/custom", 200,
          None, {}, "alice"),
    Probe("unlink custom, an id the account does not have", "POST", "/v2/account/unlink/custom", 403, 7,
          {"id": "not-a-custom-id-of-alice"}, "alice", _LAST),
    Probe("unlink custom, NUL in the id", "POST", "/v2/account/unlink/custom", 500, 13, {"id": "c\x00"}, "alice",
          "Error while trying to unlink custom ID."),
    Probe("unlink email without an address", "POST", "/v2/account/unlink/email", 200, None, {}, "alice"),
    Probe("unlink email, an address the account does not have", "POST", "/v2/account/unlink/email", 403, 7,
          {"email": "nobody@example.com", "password": "password1"}, "alice", _LAST),
    Probe("unlink email, NUL in the address", "POST", "/v2/account/unlink/email", 500, 13, {"email": "e\x00"},
          "alice", "Error while trying to unlink email."),
    Probe("unlink device without an id", "POST", "/v2/account/unlink/device", 400, 3, {}, "alice",
          "A device ID must be supplied."),
    Probe("unlink device, NUL in the id", "POST", "/v2/account/unlink/device", 500, 13, {"id": "d\x00"}, "alice",
          "Could not unlink device ID."),
    Probe("unlink device, a device the account does not have", "POST", "/v2/account/unlink/device", 403, 7,
          {"id": "not-a-device-of-alice"}, "alice", _LAST),
    Probe("unlink gamecenter, some fields only: no check", "POST", "/v2/account/unlink/gamecenter", 200, None,
          {"player_id": "p", "bundle_id": "b"}, "alice"),
    Probe("unlink gamecenter, every field: checked", "POST", "/v2/account/unlink/gamecenter", 401, 16,
          {"player_id": "p", "bundle_id": "b", "public_key_url": "u", "salt": "s", "signature": "g",
           "timestamp_seconds": 5}, "alice", "Could not authenticate GameCenter profile."),
    Probe("link steam without a token: before the configuration", "POST", "/v2/account/link/steam", 400, 3,
          {"sync": True}, "alice", "Steam access token is required."),
    Probe("link steam with a token: not configured", "POST", "/v2/account/link/steam", 400, 9,
          {"account": {"token": "t"}}, "alice", "Steam authentication is not configured."),
    Probe("link custom, a space", "POST", "/v2/account/link/custom", 400, 3, {"id": "custom id"}, "alice",
          "Invalid custom ID, no spaces or control characters allowed."),
    Probe("link custom, too short", "POST", "/v2/account/link/custom", 400, 3, {"id": "abc"}, "alice",
          "Invalid custom ID, must be 6-128 bytes."),
    Probe("link email, a short password before the address format", "POST", "/v2/account/link/email", 400, 3,
          {"email": "nope", "password": "short"}, "alice", "Password must be at least 8 characters long."),
    Probe("authenticate email with an empty body: the password is asked for", "POST",
          "/v2/account/authenticate/email", 400, 3, {}, "basic", "Password must be at least 8 characters long."),
    Probe("authenticate email without a password", "POST", "/v2/account/authenticate/email", 400, 3,
          {"email": "someone@example.com"}, "basic", "Password must be at least 8 characters long."),
    Probe("authenticate apple, bad username: the configuration first", "POST",
          "/v2/account/authenticate/apple?username=%00", 400, 9, {}, "basic", "Apple authentication is not configured."),
    Probe("authenticate google, bad username: the token first", "POST",
          "/v2/account/authenticate/google?username=%00", 400, 3, {}, "basic", "Google access token is required."),
    Probe("authenticate google, bad username after the token", "POST",
          "/v2/account/authenticate/google?username=%00", 400, 3, {"token": "t"}, "basic",
          "Username invalid, no spaces or control characters allowed."),
]
for _provider, _name, _credential in (("apple", "Apple", "token"), ("facebook", "Facebook", "token"),
                                      ("facebookinstantgame", "Facebook Instant Game", "signed_player_info"),
                                      ("google", "Google", "token"), ("steam", "Steam", "token")):
    _ACCOUNTS.append(Probe(f"unlink {_provider} without a credential", "POST", f"/v2/account/unlink/{_provider}",
                           200, None, {}, "alice"))
    _ACCOUNTS.append(Probe(f"unlink {_provider} with a credential: checked", "POST",
                           f"/v2/account/unlink/{_provider}", 401, 16, {_credential: "x"}, "alice",
                           f"Could not authenticate {_name} profile."))

_LIMIT_100 = "Invalid limit - limit must be between 1 and 100."
_BOARDS: list[Probe] = []
for _kind, _top, _title in (("leaderboard", 1000, "Leaderboard"), ("tournament", 100, "Tournament")):
    # Nakama checks the request before it looks for the board ({nil}: none)
    _BOARDS += [
        Probe(f"{_kind} records, malformed owner ids before the board", "GET", f"/v2/{_kind}/{{nil}}?owner_ids=nope",
              400, 3, None, "alice", "One or more owner IDs are invalid."),
        Probe(f"{_kind} records, limit {_top + 1} before the board", "GET", f"/v2/{_kind}/{{nil}}?limit={_top + 1}",
              400, 3, None, "alice", f"Invalid limit - limit must be between 1 and {_top}."),
        Probe(f"{_kind} records, empty expiry", "GET", f"/v2/{_kind}/{{nil}}?expiry=", 400, 3, None, "alice",
              'parsing field "expiry": strconv.ParseInt: parsing "": invalid syntax'),
        Probe(f"{_kind} records, unknown board", "GET", f"/v2/{_kind}/{{nil}}", 404, 5, None, "alice",
              f"{_title} not found."),
        Probe(f"{_kind} write, metadata not JSON before the board", "POST", f"/v2/{_kind}/{{nil}}", 400, 3,
              {"metadata": "[1]"}, "alice", "Metadata value must be JSON, if provided."),
        Probe(f"{_kind} write, unknown board", "POST", f"/v2/{_kind}/{{nil}}", 404, 5, {"score": "1"}, "alice",
              f"{_title} not found."),
        Probe(f"{_kind} around owner, malformed owner before the board", "GET", f"/v2/{_kind}/{{nil}}/owner/nope",
              400, 3, None, "alice", "Invalid owner ID provided."),
        Probe(f"{_kind} around owner, limit 0 before the board", "GET", f"/v2/{_kind}/{{nil}}/owner/{{alice}}?limit=0",
              400, 3, None, "alice", _LIMIT_100),
        Probe(f"{_kind} around owner, negative limit", "GET", f"/v2/{_kind}/{{nil}}/owner/{{alice}}?limit=-1", 400, 3,
              None, "alice", 'parsing field "limit": strconv.ParseUint: parsing "-1": invalid syntax'),
        Probe(f"{_kind} around owner, unknown board", "GET", f"/v2/{_kind}/{{nil}}/owner/{{alice}}", 404, 5, None,
              "alice", f"{_title} not found."),
    ]
_BOARDS += [
    Probe("leaderboard records, empty limit", "GET", "/v2/leaderboard/nsync_incr?limit=", 400, 3, None, "alice",
          'parsing field "limit": strconv.ParseInt: parsing "": invalid syntax'),
    Probe("leaderboard records, negative expiry: a period without records", "GET",
          "/v2/leaderboard/nsync_incr?expiry=-5", 200),
    Probe("tournament records of a leaderboard", "GET", "/v2/tournament/nsync_incr", 404, 5, None, "alice",
          "Tournament not found."),
    Probe("tournament write (PUT), metadata not JSON before the board", "PUT", "/v2/tournament/{nil}", 400, 3,
          {"metadata": "x"}, "alice", "Metadata value must be JSON, if provided."),
    Probe("tournament record delete, unknown tournament: Nakama's internal error", "DELETE", "/v2/tournament/{nil}",
          500, 13, None, "alice", "Error deleting score from tournament."),
    Probe("tournament record delete of a leaderboard", "DELETE", "/v2/tournament/nsync_incr", 500, 13, None,
          "alice", "Error deleting score from tournament."),
    Probe("tournament record delete, no record: no effect", "DELETE", "/v2/tournament/nsync_open_cup", 200),
    Probe("leaderboard records of a tournament: served as a leaderboard's", "GET", "/v2/leaderboard/nsync_open_cup",
          200),
    Probe("leaderboard around owner of a tournament: served", "GET", "/v2/leaderboard/nsync_open_cup/owner/{bob}", 200),
    Probe("leaderboard write to a tournament: written as to a leaderboard", "POST", "/v2/leaderboard/nsync_cup", 200,
          None, {"score": "1"}, "bob"),
    Probe("leaderboard record delete of a tournament", "DELETE", "/v2/leaderboard/nsync_open_cup", 404, 5, None,
          "alice", "Leaderboard not found."),
    Probe("tournament write to a leaderboard: Nakama's internal error", "POST", "/v2/tournament/nsync_incr", 500, 13,
          {"score": "1"}, "alice", "Error writing score to tournament."),
    Probe("tournament join, none required: no effect", "POST", "/v2/tournament/nsync_open_cup/join", 200),
    Probe("tournament join of a leaderboard", "POST", "/v2/tournament/nsync_incr/join", 404, 5, None, "alice",
          "Tournament not found."),
    Probe("tournament list, limit 0", "GET", "/v2/tournament?limit=0", 400, 3, None, "alice",
          "Limit must be between 1 and 100."),
    Probe("tournament list, category end 128", "GET", "/v2/tournament?category_end=128", 400, 3, None, "alice",
          "Tournament category end must be >=0 and <128."),
    Probe("tournament list, category end before start", "GET", "/v2/tournament?category_start=5&category_end=4",
          400, 3, None, "alice", "Tournament category end must be greater than category start."),
    Probe("tournament list, category start 200 alone: nothing", "GET", "/v2/tournament?category_start=200", 200),
]
_BOARDS.append(Probe("subscription, NUL in the product id: Postgres's refusal as Nakama's Unknown", "GET",
                    "/v2/iap/subscription/%00", 500, 2, None, "alice",
                    'ERROR: invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)'))
_BOARDS += [Probe(f"tournament list cursor {kind}: Nakama's Unknown", "GET", f"/v2/tournament?cursor={text}", 500,
                  2, None, "alice", "leaderboard cursor invalid") for kind, text in _BAD_CURSORS.items()]
_BOARDS += [Probe(f"party list cursor {kind}", "GET", f"/v2/party?cursor={text}", 500, 13, None, "alice",
                  "Error listing matches.") for kind, text in _BAD_CURSORS.items()]

PROBES: list[Probe] = _AUTH + _FOREIGN + _TYPES + _CURSORS + _QUERY_INTS + _LIMITS + _PATHS + _SCORES + _BODY_TYPES + _NAKAMA
PROBES += _ACCOUNTS + _BOARDS
