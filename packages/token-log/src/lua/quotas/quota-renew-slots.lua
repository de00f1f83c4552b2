--[[
  Renew the leases of members an API key still holds (the open connections of one gateway), so
  they outlive the lease only while their gateway lives. Members no longer present (released,
  or expired while their gateway was stalled) are not brought back.

  KEYS[1] the key's sorted set of held members
  ARGV[1] lease in ms
  ARGV[2..] members to renew

  Output: members renewed
  Errors: none
]]
--- @include "now"

local setKey = KEYS[1]
local leaseMs = tonumber(ARGV[1])

local deadline = nowMs() + leaseMs
local renewed = 0
for index = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', setKey, 'XX', 'CH', deadline, ARGV[index])
end
if renewed > 0 then
  redis.call('PEXPIRE', setKey, leaseMs)
end
return renewed
