--[[
  Drop a durable subscription: its consumer group and its offsets.

  KEYS[1] log stream    KEYS[2] subscriptions hash
  ARGV[1] subscription id

  Output: 1 when it existed, 0 otherwise
]]
local logKey, subsKey = KEYS[1], KEYS[2]
local sub = ARGV[1]
if redis.call('HDEL', subsKey, sub, sub .. ':d') == 0 then return 0 end
if redis.call('EXISTS', logKey) == 1 then pcall(redis.call, 'XGROUP', 'DESTROY', logKey, sub) end
return 1
