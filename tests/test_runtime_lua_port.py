"""The Lua port of the authoritative squares (docs/lua/) compiles with Lua 5.1 (Nakama's dialect) and its
match handler moves, validates and scores exactly as the Python module does, driven through a stubbed
``nakama`` module. Skips where no ``lua5.1`` / ``luac5.1`` is installed (Debian: ``apt install lua5.1``)."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LUA_DIR = ROOT / "docs" / "lua"

# The same script of inputs for both ports: a join, a valid wish, an out-of-range one, then garbage.
_WISHES = ['{"dx": 1, "dy": 0}', '{"dx": 5, "dy": 0}', "teleport"]

_HARNESS = r"""
package.path = "%(dir)s/?.lua;" .. package.path
local wishes = { ['{"dx": 1, "dy": 0}'] = { dx = 1, dy = 0 }, ['{"dx": 5, "dy": 0}'] = { dx = 5, dy = 0 } }
local stored, registered = {}, {}
package.preload["nakama"] = function()
  return {
    json_encode = function(t) return "{}" end,
    json_decode = function(s) local w = wishes[s]; if w == nil then error("bad json") end; return w end,
    storage_read = function(ids) return {} end,
    storage_write = function(objects) stored[#stored + 1] = objects[1] end,
    register_rpc = function(fn, id) registered[#registered + 1] = id end,
    register_matchmaker_matched = function(fn) registered[#registered + 1] = "matchmaker_matched" end,
    logger_info = function() end,
  }
end
require("squares")
local M = require("squares_match")
local ops = {}
local dispatcher = {
  broadcast_message = function(op, data, presences) ops[#ops + 1] = op end,
  match_label_update = function(label) end,
}
local state, tick_rate = M.match_init({}, {})
state.coin = { 470, 10 }
state = M.match_join({}, dispatcher, 0, state, { { session_id = "s1", user_id = "u1", username = "ada" } })
local xs = {}
for tick, wish in ipairs({ %(wishes)s }) do
  state = M.match_loop({}, dispatcher, tick, state, { { sender = { session_id = "s1" }, op_code = 1, data = wish } })
  xs[#xs + 1] = state.players.s1.x
end
state.coin = { state.players.s1.x + 14, state.players.s1.y + 14 }
state = M.match_loop({}, dispatcher, 9, state, {})
local _, accept, reason = M.match_join_attempt({}, dispatcher, 9, { players = { a = 1, b = 1, c = 1, d = 1 } }, {}, {})
print(table.concat(xs, ",") .. "|" .. table.concat(ops, ",") .. "|" .. state.players.s1.score .. "|" ..
      #stored .. "|" .. tostring(stored[1].permission_write) .. "|" .. tostring(accept) .. "|" .. reason ..
      "|" .. tick_rate .. "|" .. table.concat(registered, ","))
"""


def _python_run() -> str:
    spec = importlib.util.spec_from_file_location("squares_port_check", ROOT / "samples" / "authoritative"
                                                  / "server" / "squares.py")
    assert spec is not None and spec.loader is not None
    squares: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(squares)
    stored: list[dict[str, Any]] = []
    registered: list[str] = []

    class Nk:
        def storage_read(self, ids: Any) -> list[Any]:
            return []

        def storage_write(self, objects: list[dict[str, Any]]) -> None:
            stored.append(objects[0])

    class Init:
        def register_match(self, name: str, handler: Any) -> None:
            pass

        def register_rpc(self, id: str, fn: Any) -> None:
            registered.append(id)

        def register_matchmaker_matched(self, fn: Any) -> None:
            registered.append("matchmaker_matched")

    class Log:
        def info(self, *args: Any) -> None:
            pass
    squares.init_module(None, Log(), Nk(), Init())
    ops: list[int] = []

    class Dispatcher:
        def broadcast_message(self, op: int, data: Any, presences: Any = None) -> None:
            ops.append(op)

        def match_label_update(self, label: str) -> None:
            pass

    class Ctx:
        match_id = "m1"
    handler, d = squares.SquaresMatch(), Dispatcher()
    state, tick_rate, _ = handler.match_init(Ctx(), {})
    state["coin"] = [470, 10]
    state = handler.match_join(Ctx(), d, 0, state, [{"session_id": "s1", "user_id": "u1", "username": "ada"}])
    xs = []
    for tick, wish in enumerate(_WISHES, start=1):
        state = handler.match_loop(Ctx(), d, tick, state, [{"sender": {"session_id": "s1"}, "op_code": 1,
                                                            "data": wish.encode()}])
        xs.append(state["players"]["s1"]["x"])
    me = state["players"]["s1"]
    state["coin"] = [me["x"] + 14, me["y"] + 14]
    state = handler.match_loop(Ctx(), d, 9, state, [])
    full = {"players": dict.fromkeys("abcd", 1)}
    _, accept, reason = handler.match_join_attempt(Ctx(), d, 9, full, {}, {})
    numbers = ",".join(str(int(x)) if float(x).is_integer() else str(x) for x in xs)
    return (f"{numbers}|{','.join(map(str, ops))}|{state['players']['s1']['score']}|{len(stored)}|"
            f"{stored[0]['permission_write']}|{str(accept).lower()}|{reason}|{tick_rate}|{','.join(registered)}")


def test_lua_port_compiles_as_lua_5_1() -> None:
    luac = shutil.which("luac5.1")
    if luac is None:
        pytest.skip("luac5.1 is not installed")
    done = subprocess.run([luac, "-p", *sorted(str(p) for p in LUA_DIR.glob("*.lua"))], capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr


def test_lua_port_behaves_as_the_python_module() -> None:
    lua = shutil.which("lua5.1")
    if lua is None:
        pytest.skip("lua5.1 is not installed")
    script = _HARNESS % {"dir": LUA_DIR, "wishes": ", ".join(json.dumps(w) for w in _WISHES)}
    done = subprocess.run([lua, "-e", script], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    python = _python_run()
    assert done.stdout.strip() == python
    assert python.startswith("49,58,67|2,3,2,3,2,2|1|1|0|false|match full|20|squares_join,matchmaker_matched")
