"""Server code of the authoritative squares: the server owns every square, the clients only ask to move.

Load it with  python -m nakama_sync.devserver --modules samples/authoritative/server
(samples/authoritative/client.py does that for you). The same module for a real Nakama, in Lua, is
docs/lua/squares.lua and docs/lua/squares_match.lua; docs/runtime.md explains the port line by line.

- RPC ``squares_join`` -> the id of an open match (a new one when every match is full).
- The matchmaker hook puts matched players in a fresh match (the client's ``--matchmaker`` option).
- The match: clients send OP_INPUT ``{"dx": -1..1, "dy": -1..1}`` (a wish, not a position); each tick the
  server moves each square at most SPEED px/s, inside the arena, and broadcasts OP_STATE to everyone.
  Touching the coin scores a point, kept in a public storage object ("squares", "scoreboard") that only
  the server may write. A bad input is answered with OP_REJECTED to its sender alone.
"""
from __future__ import annotations

import json
import random
from typing import Any

ARENA_W, ARENA_H, SIZE, COIN = 480, 320, 28, 14
SPEED, TICK_RATE, MAX_PLAYERS = 180, 20, 4
OP_INPUT, OP_STATE, OP_REJECTED = 1, 2, 3
SCOREBOARD = {"collection": "squares", "key": "scoreboard"}   # owned by the system user
EMPTY_TICKS_BEFORE_END = TICK_RATE * 30

nk: Any = None   # the runtime API, given to init_module (Lua: local nk = require("nakama"))


def label_of(state: dict[str, Any]) -> str:
    return json.dumps({"game": "squares", "open": int(len(state["players"]) < MAX_PLAYERS),
                       "players": len(state["players"])}, separators=(",", ":"))


def add_point(username: str) -> None:
    """One more point for ``username`` on the all-time scoreboard (a version check makes it safe)."""
    found = nk.storage_read([SCOREBOARD])
    board = found[0]["value"] if found else {"scores": {}}
    board["scores"][username] = board["scores"].get(username, 0) + 1
    nk.storage_write([{**SCOREBOARD, "value": board, "version": found[0]["version"] if found else "*",
                       "permission_read": 2, "permission_write": 0}])


def parse_input(data: bytes) -> tuple[float, float] | None:
    """A client's wish as a direction of length <= 1, or None when it is not one."""
    try:
        wish = json.loads(data)
        dx, dy = float(wish["dx"]), float(wish["dy"])
    except (ValueError, TypeError, KeyError):
        return None
    if not (-1 <= dx <= 1 and -1 <= dy <= 1):
        return None
    length = (dx * dx + dy * dy) ** 0.5
    return (dx / length, dy / length) if length > 1 else (dx, dy)


class SquaresMatch:
    """The match handler: Nakama's match functions, in Python."""

    def match_init(self, ctx: Any, params: dict[str, Any]) -> tuple[Any, int, str]:
        rng = random.Random(ctx.match_id)
        state = {"players": {}, "coin": [0, 0], "empty": 0, "rng": rng}
        self.move_coin(state)
        return state, TICK_RATE, label_of(state)

    def match_join_attempt(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presence: dict[str, Any],
                           metadata: dict[str, str]) -> tuple[Any, bool, str]:
        if len(state["players"]) >= MAX_PLAYERS:
            return state, False, "match full"
        return state, True, ""

    def match_join(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presences: list[Any]) -> Any:
        for p in presences:
            slot = len(state["players"])
            state["players"][p["session_id"]] = {"user_id": p["user_id"], "username": p["username"],
                                                 "x": 40 + 120 * slot, "y": ARENA_H // 2, "dx": 0.0, "dy": 0.0,
                                                 "score": 0}
        dispatcher.match_label_update(label_of(state))
        return state

    def match_leave(self, ctx: Any, dispatcher: Any, tick: int, state: Any, presences: list[Any]) -> Any:
        for p in presences:
            state["players"].pop(p["session_id"], None)
        dispatcher.match_label_update(label_of(state))
        return state

    def match_loop(self, ctx: Any, dispatcher: Any, tick: int, state: Any, messages: list[Any]) -> Any:
        for m in messages:
            player = state["players"].get(m["sender"]["session_id"])
            wish = parse_input(m["data"]) if m["op_code"] == OP_INPUT else None
            if player is None or wish is None:
                dispatcher.broadcast_message(OP_REJECTED, json.dumps({"reason": "bad input"}), [m["sender"]])
                continue
            player["dx"], player["dy"] = wish
        step = SPEED / TICK_RATE
        for player in state["players"].values():
            player["x"] = min(max(player["x"] + player["dx"] * step, 0), ARENA_W - SIZE)
            player["y"] = min(max(player["y"] + player["dy"] * step, 0), ARENA_H - SIZE)
            cx, cy = state["coin"]
            if abs(player["x"] + SIZE / 2 - cx) < (SIZE + COIN) / 2 and abs(player["y"] + SIZE / 2 - cy) < (SIZE + COIN) / 2:
                player["score"] += 1
                add_point(player["username"])
                self.move_coin(state)
        dispatcher.broadcast_message(OP_STATE, json.dumps({
            "tick": tick, "coin": state["coin"],
            "players": {sid: {k: p[k] for k in ("user_id", "username", "x", "y", "score")}
                        for sid, p in state["players"].items()}}))
        state["empty"] = 0 if state["players"] else state["empty"] + 1
        return None if state["empty"] > EMPTY_TICKS_BEFORE_END else state   # None ends the match

    def match_terminate(self, ctx: Any, dispatcher: Any, tick: int, state: Any, grace_seconds: int) -> Any:
        return state

    def match_signal(self, ctx: Any, dispatcher: Any, tick: int, state: Any, data: str) -> tuple[Any, str]:
        return state, json.dumps({sid: [p["x"], p["y"]] for sid, p in state["players"].items()})

    def move_coin(self, state: Any) -> None:
        rng = state["rng"]
        state["coin"] = [rng.randrange(COIN, ARENA_W - COIN), rng.randrange(COIN, ARENA_H - COIN)]


def squares_join(ctx: Any, payload: str) -> str:
    """RPC: an open match's id, or a new match's."""
    open_matches = nk.match_list(1, True, query="+label.game:squares +label.open:1")
    if open_matches:
        return str(open_matches[0]["match_id"])
    return str(nk.match_create("squares_match", {}))


def matchmaker_matched(ctx: Any, matched: list[dict[str, Any]]) -> str:
    return str(nk.match_create("squares_match", {}))


def init_module(ctx: Any, logger: Any, runtime: Any, initializer: Any) -> None:
    global nk
    nk = runtime
    initializer.register_match("squares_match", SquaresMatch())
    initializer.register_rpc("squares_join", squares_join)
    initializer.register_matchmaker_matched(matchmaker_matched)
    logger.info("squares module loaded")
