--[[
The match handler of the authoritative squares (module name "squares_match"): the Lua port of the
SquaresMatch class in samples/authoritative/server/squares.py. Clients send OP_INPUT {"dx", "dy"} in
-1..1; each tick the server moves every square at most SPEED px/s inside the arena, scores the coin
into the public storage object ("squares", "scoreboard") only the server may write, and broadcasts
OP_STATE. A bad input is answered with OP_REJECTED to its sender alone.
]]
local nk = require("nakama")

local ARENA_W, ARENA_H, SIZE, COIN = 480, 320, 28, 14
local SPEED, TICK_RATE, MAX_PLAYERS = 180, 20, 4
local OP_INPUT, OP_STATE, OP_REJECTED = 1, 2, 3
local EMPTY_TICKS_BEFORE_END = TICK_RATE * 30

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function label_of(state)
  local n = count(state.players)
  return nk.json_encode({ game = "squares", open = (n < MAX_PLAYERS) and 1 or 0, players = n })
end

local function add_point(username)
  local ids = { { collection = "squares", key = "scoreboard" } }   -- no user_id: the system user
  local found = nk.storage_read(ids)
  local board, version = { scores = {} }, "*"
  if #found > 0 then
    board, version = found[1].value, found[1].version
  end
  board.scores[username] = (board.scores[username] or 0) + 1
  nk.storage_write({ { collection = "squares", key = "scoreboard", value = board, version = version,
                       permission_read = 2, permission_write = 0 } })
end

local function parse_input(data)
  local ok, wish = pcall(nk.json_decode, data)
  if not ok or type(wish) ~= "table" then return nil end
  local dx, dy = tonumber(wish.dx), tonumber(wish.dy)
  if dx == nil or dy == nil or dx < -1 or dx > 1 or dy < -1 or dy > 1 then return nil end
  local length = math.sqrt(dx * dx + dy * dy)
  if length > 1 then return dx / length, dy / length end
  return dx, dy
end

local function move_coin(state)
  state.coin = { math.random(COIN, ARENA_W - COIN - 1), math.random(COIN, ARENA_H - COIN - 1) }
end

local M = {}

function M.match_init(context, params)
  local state = { players = {}, coin = { 0, 0 }, empty = 0 }
  move_coin(state)
  return state, TICK_RATE, label_of(state)
end

function M.match_join_attempt(context, dispatcher, tick, state, presence, metadata)
  if count(state.players) >= MAX_PLAYERS then
    return state, false, "match full"
  end
  return state, true
end

function M.match_join(context, dispatcher, tick, state, presences)
  for _, p in ipairs(presences) do
    local slot = count(state.players)
    state.players[p.session_id] = { user_id = p.user_id, username = p.username, x = 40 + 120 * slot,
                                    y = math.floor(ARENA_H / 2), dx = 0, dy = 0, score = 0 }
  end
  dispatcher.match_label_update(label_of(state))
  return state
end

function M.match_leave(context, dispatcher, tick, state, presences)
  for _, p in ipairs(presences) do
    state.players[p.session_id] = nil
  end
  dispatcher.match_label_update(label_of(state))
  return state
end

function M.match_loop(context, dispatcher, tick, state, messages)
  for _, m in ipairs(messages) do
    local player = state.players[m.sender.session_id]
    local dx, dy = nil, nil
    if m.op_code == OP_INPUT then dx, dy = parse_input(m.data) end
    if player == nil or dx == nil then
      dispatcher.broadcast_message(OP_REJECTED, nk.json_encode({ reason = "bad input" }), { m.sender })
    else
      player.dx, player.dy = dx, dy
    end
  end
  local step = SPEED / TICK_RATE
  local players = {}
  for sid, p in pairs(state.players) do
    p.x = math.min(math.max(p.x + p.dx * step, 0), ARENA_W - SIZE)
    p.y = math.min(math.max(p.y + p.dy * step, 0), ARENA_H - SIZE)
    local cx, cy = state.coin[1], state.coin[2]
    if math.abs(p.x + SIZE / 2 - cx) < (SIZE + COIN) / 2 and math.abs(p.y + SIZE / 2 - cy) < (SIZE + COIN) / 2 then
      p.score = p.score + 1
      add_point(p.username)
      move_coin(state)
    end
    players[sid] = { user_id = p.user_id, username = p.username, x = p.x, y = p.y, score = p.score }
  end
  dispatcher.broadcast_message(OP_STATE, nk.json_encode({ tick = tick, coin = state.coin, players = players }))
  if next(state.players) == nil then state.empty = state.empty + 1 else state.empty = 0 end
  if state.empty > EMPTY_TICKS_BEFORE_END then
    return nil   -- ends the match
  end
  return state
end

function M.match_terminate(context, dispatcher, tick, state, grace_seconds)
  return state
end

function M.match_signal(context, dispatcher, tick, state, data)
  local positions = {}
  for sid, p in pairs(state.players) do positions[sid] = { p.x, p.y } end
  return state, nk.json_encode(positions)
end

return M
