--[[
  The Redis server's clock, in ms since the epoch.

  Every timestamp and expiry of a stream comes from this one clock, never from a client's, so
  processes with skewed clocks still agree on what has expired.
]]
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
