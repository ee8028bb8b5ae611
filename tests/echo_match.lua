--[[
The authoritative match handler "echo_match" for the suite (tests/_rpcs.py EchoMatch is the dev server's twin):
every message is broadcast to all presences, the sender included, with its op_code, data, sender and
reliable flag. Params: tick_rate (number, default 10), label (string, default "echo").
Copy into the server's data/modules next to nakama_module.lua.
]]
local M = {}

function M.match_init(context, params)
  local tick_rate = type(params.tick_rate) == "number" and params.tick_rate or 10
  local label = type(params.label) == "string" and params.label or "echo"
  return {}, tick_rate, label
end

function M.match_join_attempt(context, dispatcher, tick, state, presence, metadata)
  return state, true
end

function M.match_join(context, dispatcher, tick, state, presences)
  return state
end

function M.match_leave(context, dispatcher, tick, state, presences)
  return state
end

function M.match_loop(context, dispatcher, tick, state, messages)
  for _, m in ipairs(messages) do
    dispatcher.broadcast_message(m.op_code, m.data, nil, m.sender, m.reliable)
  end
  return state
end

function M.match_terminate(context, dispatcher, tick, state, grace_seconds)
  return state
end

function M.match_signal(context, dispatcher, tick, state, data)
  return state, data
end

return M
