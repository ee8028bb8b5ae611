"""Authoritative match handlers: kicks, label updates seen by match listings, join rejections with their
reason, tick-rate and label bounds, and handlers that raise (their match ends, the server lives on)."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from nakama_sync.devserver import RuntimeFunctionError

from ._runtime_fixtures import Rt, pytestmark, rt_fixture  # noqa: F401
from .test_devserver_realtime_base import WAIT

OP_KICK_ME, OP_LABEL, OP_RAISE = 1, 2, 3


class _Game:
    """Kicks whoever sends OP_KICK_ME, relabels on OP_LABEL, raises on OP_RAISE; records leaves."""

    def __init__(self, tick_rate: Any = 20, label: Any = "") -> None:
        self.tick_rate, self.label = tick_rate, label

    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, Any, Any]:
        return {"leaves": [], "ctx_label": None}, self.tick_rate, self.label or json.dumps({"open": 1})

    def match_join_attempt(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presence: dict[str, Any],
                           metadata: dict[str, str]) -> tuple[Any, bool, str]:
        if metadata.get("raise"):
            raise RuntimeError("join attempt bug")
        return state, metadata.get("password") == "open sesame", "wrong password"

    def match_leave(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presences: list[Any]) -> Any:
        state["leaves"] += [p["session_id"] for p in presences]
        return state

    def match_loop(self, ctx: Any, dispatcher: Any, tick: int, state: Any, messages: list[Any]) -> Any:
        state["ctx_label"] = ctx.match_label
        for m in messages:
            if m["op_code"] == OP_KICK_ME:
                dispatcher.match_kick([m["sender"]])
            elif m["op_code"] == OP_LABEL:
                dispatcher.match_label_update(m["data"].decode())
            elif m["op_code"] == OP_RAISE:
                raise RuntimeError("loop bug")
        return state

    def match_signal(self, ctx: Any, dispatcher: Any, tick: int, state: Any, data: str) -> tuple[Any, str]:
        if data == "raise":
            raise RuntimeError("signal bug")
        return state, json.dumps(state)


def _wait(condition: Any, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)   # polling a condition with a deadline, never a fixed wait


def _join(c: Any, match_id: str) -> dict[str, Any]:
    return dict(c.ok("match_join", {"match_id": match_id, "metadata": {"password": "open sesame"}}, "match"))


def test_join_attempt_rejection_reason_reaches_the_client(rt: Rt) -> None:
    rt.server.register_match_handler("game", _Game())
    mid = rt.nk.match_create("game")
    c = rt.ws()
    assert c.fail("match_join", {"match_id": mid, "metadata": {"password": "guess"}}) == (5, "wrong password")
    assert c.fail("match_join", {"match_id": mid}) == (5, "wrong password")
    assert _join(c, mid)["authoritative"] is True


def test_match_kick_removes_the_player_and_runs_match_leave(rt: Rt) -> None:
    rt.server.register_match_handler("game", _Game())
    mid = rt.nk.match_create("game")
    a, b = rt.ws(), rt.ws()
    _join(a, mid)
    _join(b, mid)
    b.send({"match_data_send": {"match_id": mid, "op_code": OP_KICK_ME, "data": ""}})
    leave = a.wait_for(lambda f: "leaves" in f.get("match_presence_event", {}))["match_presence_event"]
    assert [p["session_id"] for p in leave["leaves"]] == [b.session_id]
    _wait(lambda: json.loads(rt.nk.match_signal(mid, ""))["leaves"] == [b.session_id])
    assert rt.nk.match_get(mid)["size"] == 1
    assert _join(b, mid)["size"] == 1          # a kicked player may come back (the handler decides)


def test_label_update_is_what_listings_filter_on(rt: Rt) -> None:
    rt.server.register_match_handler("game", _Game())
    mid = rt.nk.match_create("game")
    u = rt.ws()
    _join(u, mid)

    def listed(query: str) -> list[str]:
        resp = rt.http(u.user, "GET", "/v2/match", params={"limit": 100, "authoritative": "true", "query": query})
        return [m["match_id"] for m in resp.json().get("matches", [])]
    assert mid in listed("+label.open:1")
    u.send({"match_data_send": {"match_id": mid, "op_code": OP_LABEL, "data": "eyJvcGVuIjowfQ=="}})  # {"open":0}
    _wait(lambda: mid in listed("+label.open:0"))
    assert mid not in listed("+label.open:1")
    assert [m["match_id"] for m in rt.nk.match_list(10, True, query="+label.open:0")] == [mid]
    _wait(lambda: json.loads(rt.nk.match_signal(mid, ""))["ctx_label"] == '{"open":0}')   # ctx follows
    assert rt.http(u.user, "GET", "/v2/match", params={"limit": 100, "label": '{"open":0}'}).json()["matches"][0][
        "label"] == '{"open":0}'


@pytest.mark.parametrize("tick_rate, label, message", [
    (0, "", "match_init returned invalid tick rate, must be between 1 and 60"),
    (61, "", "match_init returned invalid tick rate, must be between 1 and 60"),
    (2.5, "", "match_init returned invalid tick rate, must be between 1 and 60"),
    (10, "x" * 2049, "match label too long, must be 2048 bytes or less"),
])
def test_tick_rate_and_label_bounds(rt: Rt, tick_rate: Any, label: str, message: str) -> None:
    rt.server.register_match_handler("bad", _Game(tick_rate, label))
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.match_create("bad")
    assert (err.value.code, err.value.message) == (3, message)
    assert rt.nk.match_list(10) == []
    rt.server.register_match_handler("edge", _Game(60, "y" * 2048))
    assert rt.nk.match_get(rt.nk.match_create("edge"))["tick_rate"] == 60


class _BrokenInit(_Game):
    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, Any, Any]:
        raise ZeroDivisionError("init bug")


def test_a_raising_match_init_refuses_match_create(rt: Rt) -> None:
    rt.server.register_match_handler("broken", _BrokenInit())
    rt.server.register_match_handler("game", _Game())
    with pytest.raises(RuntimeFunctionError) as err:
        rt.nk.match_create("broken")
    assert (err.value.code, err.value.message) == (13, "match_init of broken failed: init bug")
    u = rt.user()
    resp = rt.http(u, "POST", "/v2/rpc/no_such_rpc", json="")
    assert resp.status_code == 404                         # the server answers as before
    assert rt.nk.match_get(rt.nk.match_create("game")) is not None


@pytest.mark.parametrize("how", ["loop", "join_attempt", "signal"])
def test_a_raising_handler_ends_its_match_not_the_server(rt: Rt, how: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    rt.server.register_match_handler("game", _Game())
    mid = rt.nk.match_create("game")
    other = rt.nk.match_create("game")
    player = rt.ws()
    _join(player, mid)
    with caplog.at_level(logging.ERROR, logger="nakama_sync.devserver"):
        if how == "loop":
            player.send({"match_data_send": {"match_id": mid, "op_code": OP_RAISE, "data": ""}})
        elif how == "join_attempt":
            late = rt.ws()
            assert late.fail("match_join", {"match_id": mid, "metadata": {"raise": "1"}}) == (5, "Match join rejected")
        else:
            with pytest.raises(RuntimeFunctionError):
                rt.nk.match_signal(mid, "raise")
        assert player.wait_closed() is not None            # as Nakama: the members are disconnected
    assert any(f"error from match_{how}" in r.getMessage() and r.exc_info for r in caplog.records)
    assert rt.nk.match_get(mid) is None and rt.nk.match_get(other) is not None
    fresh = rt.ws()                                        # the server still serves, matches still run
    assert _join(fresh, other)["match_id"] == other
    assert fresh.fail("match_join", {"match_id": mid}) == (4, "Match not found")
