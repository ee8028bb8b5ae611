"""The runtime API (``nk``) against the same operations over HTTP and the socket: each runtime function's
effect is seen by a client, and a client's effect is seen by the runtime function, with the same rules."""
from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from nakama_sync.devserver import RuntimeFunctionError

from ._runtime_fixtures import Rt, pytestmark, rt_fixture  # noqa: F401
from .conftest import unique

# ---- accounts and users -------------------------------------------------------------------------

def test_account_and_users_match_http(rt: Rt) -> None:
    u = rt.user()
    over_http = rt.http(u, "GET", "/v2/account").json()
    assert rt.nk.account_get_id(u.user_id) == over_http
    users_http = rt.http(u, "GET", "/v2/user", params={"ids": [u.user_id]}).json()["users"]
    assert rt.nk.users_get_id([u.user_id]) == users_http
    assert rt.nk.users_get_username([u.username]) == users_http
    assert rt.nk.users_get_id([]) == []


def test_account_update_id_is_seen_over_http(rt: Rt) -> None:
    u, other = rt.user(), rt.user()
    rt.nk.account_update_id(u.user_id, metadata={"level": 3}, display_name="Ada", lang_tag="fr")
    user = rt.http(u, "GET", "/v2/account").json()["user"]
    assert (user["display_name"], user["lang_tag"], json.loads(user["metadata"])) == ("Ada", "fr", {"level": 3})
    # a taken username: the same refusal as PUT /v2/account
    resp = rt.http(u, "PUT", "/v2/account", json={"username": other.username})
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.account_update_id(u.user_id, username=other.username)
    assert (err.value.code, err.value.message) == (resp.json()["code"], resp.json()["message"])
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.account_get_id("00000000-0000-0000-0000-00000000abcd")
    assert (err.value.code, err.value.message) == (5, "Account not found.")


# ---- storage -------------------------------------------------------------------------------------

def test_storage_write_read_list_delete_against_http(rt: Rt) -> None:
    u = rt.user()
    col = unique("saves")
    acks = rt.nk.storage_write([{"collection": col, "key": "a", "user_id": u.user_id, "value": {"hp": 1}},
                                {"collection": col, "key": "b", "user_id": u.user_id, "value": {"hp": 2},
                                 "permission_read": 2}])
    assert [(a["key"], a["user_id"]) for a in acks] == [("a", u.user_id), ("b", u.user_id)]
    seen = rt.http(u, "POST", "/v2/storage", json={"object_ids": [{"collection": col, "key": "a",
                                                                   "user_id": u.user_id}]}).json()["objects"]
    assert seen[0]["version"] == acks[0]["version"] and json.loads(seen[0]["value"]) == {"hp": 1}
    # a client's write is what nk reads
    rt.http(u, "PUT", "/v2/storage", json={"objects": [{"collection": col, "key": "c", "value": '{"x":[1]}'}]})
    read = rt.nk.storage_read([{"collection": col, "key": "c", "user_id": u.user_id}])
    assert read[0]["value"] == {"x": [1]} and read[0]["user_id"] == u.user_id
    # the same version rule, the same refusal text
    resp = rt.http(u, "PUT", "/v2/storage", json={"objects": [{"collection": col, "key": "a", "value": "{}",
                                                               "version": "*"}]})
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.storage_write([{"collection": col, "key": "a", "user_id": u.user_id, "value": {}, "version": "*"}])
    assert (err.value.code, err.value.message) == (resp.json()["code"], resp.json()["message"])
    # listing: the owner's listing over HTTP and nk's agree, page by page
    objects, cursor = rt.nk.storage_list(u.user_id, col, 2)
    http_page = rt.http(u, "GET", f"/v2/storage/{col}/{u.user_id}", params={"limit": 2}).json()
    assert [o["key"] for o in objects] == [o["key"] for o in http_page["objects"]] and cursor == http_page["cursor"]
    rest, end = rt.nk.storage_list(u.user_id, col, 2, cursor)
    assert [o["key"] for o in objects + rest] == ["a", "c", "b"] and end == ""   # read 1 before read 2
    rt.nk.storage_delete([{"collection": col, "key": "a", "user_id": u.user_id}])
    gone = rt.http(u, "POST", "/v2/storage", json={"object_ids": [{"collection": col, "key": "a",
                                                                   "user_id": u.user_id}]}).json()
    assert gone == {}


def test_storage_server_code_passes_permissions_clients_cannot(rt: Rt) -> None:
    u = rt.user()
    col = unique("locked")
    rt.nk.storage_write([{"collection": col, "key": "score", "user_id": u.user_id, "value": {"n": 1},
                          "permission_read": 0, "permission_write": 0}])
    ids = {"object_ids": [{"collection": col, "key": "score", "user_id": u.user_id}]}
    assert rt.http(u, "POST", "/v2/storage", json=ids).json() == {}          # server-only: hidden from the owner
    denied = rt.http(u, "PUT", "/v2/storage", json={"objects": [{"collection": col, "key": "score",
                                                                 "value": '{"n":99}'}]})
    assert (denied.status_code, denied.json()["message"]) == (400, "Storage write rejected - permission denied.")
    rt.nk.storage_write([{"collection": col, "key": "score", "user_id": u.user_id, "value": {"n": 2},
                          "permission_read": 0, "permission_write": 0}])
    assert rt.nk.storage_read(ids["object_ids"])[0]["value"] == {"n": 2}
    listed, _ = rt.nk.storage_list(u.user_id, col)
    assert [o["key"] for o in listed] == ["score"]
    assert rt.http(u, "GET", f"/v2/storage/{col}/{u.user_id}").json() == {}
    # a system-owned public object: read by a client without naming an owner
    rt.nk.storage_write([{"collection": col, "key": "motd", "value": {"text": "hi"}, "permission_read": 2}])
    sys_read = rt.http(u, "POST", "/v2/storage", json={"object_ids": [{"collection": col, "key": "motd"}]}).json()
    assert json.loads(sys_read["objects"][0]["value"]) == {"text": "hi"}
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.storage_write([{"collection": col, "key": "bad", "user_id": u.user_id, "value": [1, 2]}])
    assert err.value.code == 3


# ---- leaderboards and tournaments ---------------------------------------------------------------

def test_authoritative_leaderboard_takes_runtime_scores_only(rt: Rt) -> None:
    board = unique("wins")
    rt.nk.leaderboard_create(board, authoritative=True, sort_order="desc", operator="incr", enable_ranks=True)
    a, b = rt.user(), rt.user()
    refused = rt.http(a, "POST", f"/v2/leaderboard/{board}", json={"score": "5"})
    assert (refused.status_code, refused.json()["message"]) == (403, "Leaderboard only allows authoritative score submissions.")
    rt.nk.leaderboard_record_write(board, a.user_id, a.username, 1)
    record = rt.nk.leaderboard_record_write(board, a.user_id, a.username, 2, metadata={"last": "win"})
    assert (record["score"], record["num_score"], record["rank"]) == ("3", 2, "1")
    rt.nk.leaderboard_record_write(board, b.user_id, b.username, 10, override_operator="set")
    records, owners, next_cursor, _ = rt.nk.leaderboard_records_list(board, [a.user_id], limit=1)
    over_http = rt.http(a, "GET", f"/v2/leaderboard/{board}", params={"owner_ids": a.user_id, "limit": 1}).json()
    assert records == over_http["records"] and owners == over_http["owner_records"]
    assert next_cursor == over_http["next_cursor"] and records[0]["owner_id"] == b.user_id
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.leaderboard_record_write("no-such-board", a.user_id, a.username, 1)
    assert err.value.code == 5


def test_tournament_records_follow_the_http_rules(rt: Rt) -> None:
    cup = unique("cup")
    rt.server.create_tournament(cup, title="Cup", duration=3600, join_required=True)
    u = rt.user()
    resp = rt.http(u, "PUT", f"/v2/tournament/{cup}", json={"score": "5"})
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.tournament_record_write(cup, u.user_id, u.username, 5)
    assert (err.value.code, err.value.message) == (resp.json()["code"], resp.json()["message"])
    rt.nk.tournament_join(cup, u.user_id, u.username)
    rt.nk.tournament_record_write(cup, u.user_id, u.username, 7)
    records, _, _, _ = rt.nk.tournament_records_list(cup)
    assert records == rt.http(u, "GET", f"/v2/tournament/{cup}", params={"limit": 10}).json()["records"]
    assert records[0]["score"] == "7" and records[0]["username"] == u.username


# ---- notifications and wallets ------------------------------------------------------------------

def test_notification_send_pushes_and_stores(rt: Rt) -> None:
    c = rt.ws()
    rt.nk.notification_send(c.user.user_id, "reward", {"coins": 10}, 7, persistent=True)
    pushed = c.push("notifications")["notifications"][0]
    assert (pushed["subject"], json.loads(pushed["content"]), pushed["code"]) == ("reward", {"coins": 10}, 7)
    listed = rt.http(c.user, "GET", "/v2/notification", params={"limit": 10}).json()["notifications"]
    assert [n["id"] for n in listed] == [pushed["id"]]
    rt.nk.notification_send(c.user.user_id, "ping", {}, 1)          # not persistent: pushed, not stored
    assert c.push("notifications")["notifications"][0]["subject"] == "ping"
    assert len(rt.http(c.user, "GET", "/v2/notification", params={"limit": 10}).json()["notifications"]) == 1
    for bad in (("not-a-uuid", "s", {}, 1), (c.user.user_id, "", {}, 1), (c.user.user_id, "s", {}, -1)):
        with pytest.raises(RuntimeFunctionError) as err:
            rt.nk.notification_send(*bad)
        assert err.value.code == 3


def test_wallet_update_is_seen_in_the_account(rt: Rt) -> None:
    u = rt.user()
    updated, previous = rt.nk.wallet_update(u.user_id, {"coins": 10, "gems": 1}, {"why": "quest"}, True)
    assert (updated, previous) == ({"coins": 10, "gems": 1}, {})
    assert json.loads(rt.http(u, "GET", "/v2/account").json()["wallet"]) == {"coins": 10, "gems": 1}
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.wallet_update(u.user_id, {"coins": -11, "gems": 5})
    assert err.value.message == "wallet update rejected negative value at path 'coins'"
    assert json.loads(rt.http(u, "GET", "/v2/account").json()["wallet"]) == {"coins": 10, "gems": 1}
    assert rt.nk.wallet_update(u.user_id, {"coins": -4})[0] == {"coins": 6, "gems": 1}
    ledger = rt.nk.wallet_ledger_list(u.user_id)
    assert [(e["changeset"], e["metadata"]) for e in ledger] == [({"coins": 10, "gems": 1}, {"why": "quest"})]


# ---- streams -------------------------------------------------------------------------------------

def test_stream_functions_against_the_socket(rt: Rt) -> None:
    a, b = rt.ws(), rt.ws()
    stream = {"mode": 99, "label": unique("lobby")}
    assert rt.nk.stream_user_join(a.user.user_id, a.session_id, stream) is True
    assert rt.nk.stream_user_join(a.user.user_id, a.session_id, stream) is False
    rt.nk.stream_user_join(b.user.user_id, b.session_id, stream, hidden=True)
    assert a.push("stream_presence_event")["joins"][0]["session_id"] == a.session_id
    listed = rt.nk.stream_user_list(stream)
    assert [(p["session_id"], p["hidden"]) for p in listed] == [(a.session_id, False), (b.session_id, True)]
    assert [p["session_id"] for p in rt.nk.stream_user_list(stream, include_hidden=False)] == [a.session_id]
    assert [p["session_id"] for p in rt.nk.stream_user_list(stream, include_not_hidden=False)] == [b.session_id]
    assert rt.nk.stream_count(stream) == 2
    assert rt.nk.stream_send(stream, "hello") == 2
    for c in (a, b):
        assert c.push("stream_data") == {"stream": {"mode": 99, "label": stream["label"]}, "data": "hello",
                                         "reliable": True}
    assert rt.nk.stream_user_leave(a.user.user_id, a.session_id, stream) is True
    assert rt.nk.stream_count(stream) == 1
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.stream_user_join(a.user.user_id, b.session_id, stream)   # not that user's socket
    assert err.value.code == 5


# ---- matches and errors --------------------------------------------------------------------------

class _Labelled:
    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, int, str]:
        return {"params": params}, 5, json.dumps({"mode": params.get("mode", "duel"), "open": 1})

    def match_loop(self, ctx: Any, dispatcher: Any, tick: int, state: Any, messages: list[Any]) -> Any:
        return state

    def match_signal(self, ctx: Any, dispatcher: Any, tick: int, state: Any, data: str) -> tuple[Any, str]:
        return state, f"{ctx.match_id}:{ctx.match_tick_rate}:{data}"


def test_match_create_list_signal_against_http(rt: Rt) -> None:
    rt.server.register_match_handler("labelled", _Labelled())
    duel = rt.nk.match_create("labelled", {"mode": "duel"})
    team = rt.nk.match_create("labelled", {"mode": "team"})
    u = rt.user()
    query = "+label.mode:team"
    over_http = rt.http(u, "GET", "/v2/match", params={"limit": 10, "authoritative": "true", "query": query}).json()
    assert rt.nk.match_list(10, True, query=query) == over_http["matches"]
    assert [m["match_id"] for m in over_http["matches"]] == [team]
    assert {m["match_id"] for m in rt.nk.match_list(10)} >= {duel, team}
    assert rt.nk.match_get(duel)["handler_name"] == "labelled" and rt.nk.match_get("x") is None
    assert rt.nk.match_signal(duel, "hi") == f"{duel}:5:hi"
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.match_create("no_such_handler")
    assert err.value.code == 5
    with pytest.raises(RuntimeFunctionError):
        rt.nk.match_signal("00000000-0000-0000-0000-000000000000.nakama", "x")


def test_rpc_error_codes_over_http_and_socket(rt: Rt) -> None:
    def refuse(ctx: Any, payload: str) -> str:
        raise RuntimeFunctionError("no such item", 5)
    rt.server.register_rpc("refuse", refuse)
    u = rt.user()
    resp = rt.http(u, "POST", "/v2/rpc/refuse", json="")
    assert (resp.status_code, resp.json()["code"], resp.json()["message"]) == (404, 5, "no such item")
    assert rt.ws(u).fail("rpc", {"id": "refuse"}) == (7, "no such item")   # the socket always says 7


def test_logger_and_context(rt: Rt, caplog: pytest.LogCaptureFixture) -> None:
    seen: dict[str, Any] = {}

    def whoami(ctx: Any, payload: str) -> str:
        rt.nk.logger_info("whoami from %s", ctx.username)
        seen.update(user_id=ctx.user_id, session_id=ctx.session_id, mode=ctx.execution_mode, node=ctx.node)
        return ctx.user_id
    rt.server.register_rpc("whoami", whoami)
    c = rt.ws()
    with caplog.at_level(logging.INFO, logger="nakama_sync.devserver.runtime"):
        assert c.ok("rpc", {"id": "whoami"}, "rpc")["payload"] == c.user.user_id
    assert seen == {"user_id": c.user.user_id, "session_id": c.session_id, "mode": "rpc", "node": "nakama"}
    assert f"whoami from {c.user.username}" in caplog.messages
    assert abs(rt.nk.time() - rt.nk.time()) < 1000 and len(rt.nk.uuid_v4()) == 36
