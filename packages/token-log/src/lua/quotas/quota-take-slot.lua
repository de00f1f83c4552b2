--[[
  Take one slot of an API key's quota of things held at once (running streams, open
  connections): a sorted set of members, each with a lease deadline (server time) as score.

  Expired leases are dropped first (a gateway that died leaves its members to expire), then the
  members the caller found finished (`release`). A member already present renews its lease and
  is admitted; a new one is admitted while fewer than `limit` are held.

  KEYS[1] the key's sorted set of held members (its own hash tag, not a stream's)
  ARGV[1] limit (>= 1)
  ARGV[2] member to add
  ARGV[3] lease in ms
  ARGV[4..] members to drop before counting (found finished by the caller)

  Output: { admitted (1|0), members held after the call }
  Errors: none
]]
--- @include "now"

local setKey = KEYS[1]
local limit = tonumber(ARGV[1])
local member = ARGV[2]
local leaseMs = tonumber(ARGV[3])

local now = nowMs()
redis.call('ZREMRANGEBYSCORE', setKey, '-inf', now)
for index = 4, #ARGV do
  redis.call('ZREM', setKey, ARGV[index])
end
local held = redis.call('ZCARD', setKey)
local present = redis.call('ZSCORE', setKey, member)
if not present and held >= limit then
  return { 0, held }
end
redis.call('ZADD', setKey, now + leaseMs, member)
local pttl = redis.call('PTTL', setKey)
if pttl < leaseMs then
  redis.call('PEXPIRE', setKey, leaseMs)
end
if present then
  return { 1, held }
end
return { 1, held + 1 }
