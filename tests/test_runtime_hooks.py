"""Hooks of server code: before/after HTTP operations and realtime messages, and matchmaker matched
(four players matched into one authoritative match, as Nakama's hook does)."""
from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from nakama_sync.devserver import Initializer, RuntimeFunctionError

from ._runtime_fixtures import Rt, pytestmark, rt_fixture  # noqa: F401
from .conftest import unique
from .test_devserver_realtime_base import WAIT, http_base


def _init(rt: Rt) -> Initializer:
    return Initializer(rt.server, rt.server.runtime_hooks)


# ---- HTTP ------------------------------------------------------------------------------------------

def test_http_before_hook_changes_rejects_or_fails_the_request(rt: Rt) -> None:
    seen: list[Any] = []

    def before_write(ctx: Any, payload: dict[str, Any]) -> dict[str, Any] | None:
        obj = payload["objects"][0]
        if obj["key"] == "forbidden":
            return None
        if obj["key"] == "broken":
            raise RuntimeFunctionError("key not allowed", 3)
        if obj["key"] == "crash":
            raise ValueError("bug in hook")
        obj["value"] = json.dumps({**json.loads(obj["value"]), "stamped_by": ctx.user_id})
        return payload

    def after_write(ctx: Any, out: dict[str, Any], payload: dict[str, Any]) -> None:
        seen.append((ctx.execution_mode, out["acks"][0]["key"], payload["objects"][0]["key"]))
    init = _init(rt)
    init.register_req_before("WriteStorageObjects", before_write)
    init.register_req_after("WriteStorageObjects", after_write)
    u = rt.user()
    col = unique("hooked")

    def write(key: str) -> requests.Response:
        return rt.http(u, "PUT", "/v2/storage", json={"objects": [{"collection": col, "key": key,
                                                                   "value": '{"a":1}'}]})
    assert write("fine").status_code == 200
    stored = rt.nk.storage_read([{"collection": col, "key": "fine", "user_id": u.user_id}])[0]["value"]
    assert stored == {"a": 1, "stamped_by": u.user_id}
    assert seen == [("after", "fine", "fine")]
    resp = write("forbidden")
    assert (resp.status_code, resp.json()["code"], resp.json()["message"]) == (404, 5, "Requested resource was not found.")
    resp = write("broken")
    assert (resp.status_code, resp.json()["code"], resp.json()["message"]) == (400, 3, "key not allowed")
    resp = write("crash")
    assert (resp.status_code, resp.json()["code"], resp.json()["message"]) == (500, 13, "bug in hook")
    assert len(seen) == 1                      # refused requests run no after hook
    assert rt.nk.storage_list(u.user_id, col)[0][0]["key"] == "fine"   # and stored nothing


def test_http_after_hook_sees_new_accounts_and_its_failure_changes_nothing(rt: Rt) -> None:
    created: list[str] = []

    def after_auth(ctx: Any, out: dict[str, Any], payload: dict[str, Any]) -> None:
        created.append(payload["id"])
        raise RuntimeError("after hooks may fail without effect")
    _init(rt).register_req_after("AuthenticateDevice", after_auth)
    device = unique("device")
    resp = requests.post(f"{http_base(rt.target)}/v2/account/authenticate/device", json={"id": device},
                         auth=(rt.target.server_key, ""), timeout=WAIT)
    assert resp.status_code == 200 and resp.json()["token"]
    assert created == [device]
    with pytest.raises(ValueError):
        _init(rt).register_req_before("NoSuchOperation", after_auth)


# ---- realtime -------------------------------------------------------------------------------------

def test_rt_before_hook_changes_disables_or_fails_a_message(rt: Rt) -> None:
    after: list[Any] = []

    def censor(ctx: Any, msg: dict[str, Any]) -> dict[str, Any] | None:
        content = json.loads(msg["content"])
        if content.get("text") == "boom":
            raise RuntimeFunctionError("not today")
        if content.get("text") == "off":
            return None
        return {**msg, "content": json.dumps({"text": content["text"].replace("darn", "****")})}
    init = _init(rt)
    init.register_rt_before("ChannelMessageSend", censor)
    init.register_rt_after("channel_join", lambda ctx, out, msg: after.append((ctx.session_id, out["channel"]["id"])))
    c = rt.ws()
    channel = c.ok("channel_join", {"target": unique("room"), "type": 1}, "channel")
    assert after == [(c.session_id, channel["id"])]
    ack = c.ok("channel_message_send", {"channel_id": channel["id"], "content": '{"text":"oh darn"}'},
               "channel_message_ack")
    message = c.push("channel_message")
    assert json.loads(message["content"]) == {"text": "oh ****"} and message["message_id"] == ack["message_id"]
    assert c.fail("channel_message_send", {"channel_id": channel["id"], "content": '{"text":"boom"}'}) == \
        (7, "not today")
    c.barrier()                                          # a failing hook leaves the socket open
    assert c.fail("channel_message_send", {"channel_id": channel["id"], "content": '{"text":"off"}'}) == \
        (1, "Requested resource was not found.")
    assert c.wait_closed() is not None                   # a disabled resource closes it, as in Nakama


# ---- matchmaker matched -----------------------------------------------------------------------

class _Arena:
    """Accepts only the users the matchmaker put in it (params["users"])."""

    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, int, str]:
        return {"invited": set(params["users"]), "joined": []}, 10, json.dumps({"size": len(params["users"])})

    def match_join_attempt(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presence: dict[str, Any],
                           metadata: dict[str, str]) -> tuple[Any, bool, str]:
        return state, presence["user_id"] in state["invited"], "not invited"

    def match_join(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presences: list[Any]) -> Any:
        state["joined"] += [p["user_id"] for p in presences]
        return state

    def match_loop(self, ctx: Any, dispatcher: Any, tick: int, state: Any, messages: list[Any]) -> Any:
        return state

    def match_signal(self, ctx: Any, dispatcher: Any, tick: int, state: Any, data: str) -> tuple[Any, str]:
        return state, json.dumps(sorted(state["joined"]))


def test_matchmaker_matched_hook_puts_four_players_in_one_authoritative_match(rt: Rt) -> None:
    matched_calls: list[list[dict[str, Any]]] = []

    def on_matched(ctx: Any, matched: list[dict[str, Any]]) -> str:
        matched_calls.append(matched)
        return str(rt.nk.match_create("arena", {"users": [m["presence"]["user_id"] for m in matched]}))
    init = _init(rt)
    init.register_match("arena", _Arena())
    init.register_matchmaker_matched(on_matched)
    players = [rt.ws() for _ in range(4)]
    mode = unique("mode")
    for p in players:
        p.ok("matchmaker_add", {"min_count": 4, "max_count": 4, "query": f"+properties.mode:{mode}",
                                "string_properties": {"mode": mode}, "numeric_properties": {"skill": 5}},
             "matchmaker_ticket")
    events = [p.push("matchmaker_matched", timeout=10) for p in players]
    match_ids = {e.get("match_id") for e in events}
    assert len(match_ids) == 1 and None not in match_ids and all("token" not in e for e in events)
    match_id = match_ids.pop()
    assert match_id.endswith(".nakama")
    assert len(matched_calls) == 1 and len(matched_calls[0]) == 4
    entry = matched_calls[0][0]
    assert entry["properties"] == {"mode": mode, "skill": 5.0} and entry["presence"]["node"] == "nakama"
    assert {m["presence"]["session_id"] for m in matched_calls[0]} == {p.session_id for p in players}
    for p in players:
        assert p.ok("match_join", {"match_id": match_id}, "match")["authoritative"] is True
    stranger = rt.ws()
    assert stranger.fail("match_join", {"match_id": match_id}) == (5, "not invited")
    assert json.loads(rt.nk.match_signal(match_id, "")) == sorted(p.user.user_id for p in players)


def test_a_failing_matchmaker_hook_falls_back_to_a_token(rt: Rt) -> None:
    def broken(ctx: Any, matched: list[dict[str, Any]]) -> str:
        raise RuntimeError("no arena today")
    _init(rt).register_matchmaker_matched(broken)
    a, b = rt.ws(), rt.ws()
    mode = unique("mode")
    for p in (a, b):
        p.ok("matchmaker_add", {"min_count": 2, "max_count": 2, "query": f"+properties.mode:{mode}",
                                "string_properties": {"mode": mode}}, "matchmaker_ticket")
    event = a.push("matchmaker_matched", timeout=10)
    assert event["token"] and "match_id" not in event
    assert b.push("matchmaker_matched", timeout=10)["token"] == event["token"]
    assert a.ok("match_join", {"token": event["token"]}, "match")["match_id"]
