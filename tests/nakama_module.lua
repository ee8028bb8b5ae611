--[[
The runtime module the test suite needs on a real Nakama (copy it into the server's data/modules).
RPCs (contract: ../../shared/tools/record_flows.py docstring; tests/_rpcs.py is the same for the dev server):
  echo       returns the payload unchanged ("" when absent)
  fail       always raises "testkit deliberate failure"
  notify_me  needs a user; sends the caller one persistent system notification
             (subject "hello", content {"n":1}, code 1) and returns '{"sent":true}'
  stream_ping  socket only; joins the caller to stream {mode 99, label "testkit"} (hidden unless the
             JSON payload says "hidden": false) and sends it stream_data (payload, or its "data")
  create_echo_match  payload "" or {"tick_rate", "label"}; starts an "echo_match" and returns its id
  signal_match  payload {"match_id", "data"}; returns the handler's answer (echo_match: data unchanged)
  (the "echo_match" handler is the module tests/echo_match.lua: copy it into data/modules too)
Others may add RPCs below; keep each one small and documented here.
]]
local nk = require("nakama")

local function echo(context, payload)
  return payload or ""
end

local function fail(context, payload)
  error("testkit deliberate failure")
end

local function notify_me(context, payload)
  if context.user_id == nil or context.user_id == "" then
    error("notify_me requires an authenticated user")
  end
  -- no sender_id: a system notification (nil UUID sender)
  nk.notification_send(context.user_id, "hello", { n = 1 }, 1, nil, true)
  return '{"sent":true}'
end

local function stream_ping(context, payload)
  if context.session_id == nil or context.session_id == "" then
    error("stream_ping must be called over a realtime socket")
  end
  local data, hidden = payload, true
  if payload == nil or payload == "" then data = "ping" end
  local ok, obj = pcall(nk.json_decode, payload or "")
  if ok and type(obj) == "table" then
    data = obj.data ~= nil and tostring(obj.data) or "ping"
    if obj.hidden ~= nil then hidden = obj.hidden and true or false end
  end
  local stream = { mode = 99, label = "testkit" }
  nk.stream_user_join(context.user_id, context.session_id, stream, hidden, false)
  nk.stream_send(stream, data, nil, true)
  return nk.json_encode({ data = data, label = "testkit", mode = 99 })
end

local function create_echo_match(context, payload)
  local params = {}
  if payload ~= nil and payload ~= "" then params = nk.json_decode(payload) end
  return nk.match_create("echo_match", params)
end

local function signal_match(context, payload)
  local req = nk.json_decode(payload)
  return nk.match_signal(req.match_id, req.data or "")
end

nk.register_rpc(create_echo_match, "create_echo_match")
nk.register_rpc(signal_match, "signal_match")
nk.register_rpc(echo, "echo")
nk.register_rpc(fail, "fail")
nk.register_rpc(notify_me, "notify_me")
nk.register_rpc(stream_ping, "stream_ping")

-- Leaderboards and tournaments for the suite (tests/_fixtures_server.py declares the same on the dev server).
-- The last argument, enable_ranks, is true: the suite checks ranks (Nakama leaves them 0 otherwise).
nk.leaderboard_create("nsync_best", false, "desc", "best", nil, {}, true)
nk.leaderboard_create("nsync_incr", false, "desc", "incr", nil, {}, true)
nk.leaderboard_create("nsync_asc", false, "asc", "set", nil, {}, true)
nk.leaderboard_create("nsync_plain", false, "desc", "best", nil, {}) -- ranks off: Nakama's default
nk.tournament_create("nsync_cup", false, "desc", "best", 315360000, nil, {}, "Cup", "desc", 42, 0, 0, 0, 0, true, true)
nk.tournament_create("nsync_open_cup", false, "desc", "incr", 315360000, nil, {}, "Open", "", 43, 0, 0, 0, 3, false, true)
