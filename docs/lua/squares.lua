--[[
The authoritative squares for a real Nakama: the Lua port of samples/authoritative/server/squares.py
(RPC and matchmaker hook; the match handler is squares_match.lua). Copy both files into the server's
data/modules. docs/runtime.md walks through the port.
]]
local nk = require("nakama")

-- RPC: an open match's id, or a new match's.
local function squares_join(context, payload)
  local open_matches = nk.match_list(1, true, nil, nil, nil, "+label.game:squares +label.open:1")
  if #open_matches > 0 then
    return open_matches[1].match_id
  end
  return nk.match_create("squares_match", {})
end

local function matchmaker_matched(context, matched_users)
  return nk.match_create("squares_match", {})
end

nk.register_rpc(squares_join, "squares_join")
nk.register_matchmaker_matched(matchmaker_matched)
nk.logger_info("squares module loaded")
