--[[
  Count one create against an API key's creates-per-window quota (a fixed window).

  The window starts with the key's first create after the last one ended and lasts
  `windowMs`; a create over the limit is not counted (a refused client does not push its own
  window further), and is told how long until the window ends.

  KEYS[1] the key's create counter (its own hash tag, not a stream's)
  ARGV[1] limit: creates allowed per window (>= 1)
  ARGV[2] window in ms

  Output: { admitted (1|0), retry after in ms (0 when admitted) }
  Errors: none
]]
local counterKey = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])

local count = redis.call('INCR', counterKey)
if count == 1 then
  redis.call('PEXPIRE', counterKey, windowMs)
end
if count > limit then
  redis.call('DECR', counterKey)
  local left = redis.call('PTTL', counterKey)
  if left < 0 then
    -- A counter without expiry (cannot happen unless someone set it by hand): start a window.
    redis.call('PEXPIRE', counterKey, windowMs)
    left = windowMs
  end
  return { 0, left }
end
return { 1, 0 }
