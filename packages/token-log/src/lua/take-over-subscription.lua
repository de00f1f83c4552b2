--[[
  Move a subscription to a new consumer: claim every pending entry and forget the old consumers.

  Used when a client resumes its subscription on another gateway (the old gateway may be dead):
  the new consumer owns what was delivered but not acknowledged, and will resend it first.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] subscription id    ARGV[2] new consumer name

  Output: { acked, delivered, status, length, entries claimed }
  Errors: SPOOL stream_not_found | subscription_not_found
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local sub, consumer = ARGV[1], ARGV[2]

local meta, failure = readStreamMeta(metaKey, { 'length' })
if failure then return failure end
local offsets = redis.call('HMGET', subsKey, sub, sub .. ':d')
if not offsets[1] then return redis.error_reply('SPOOL subscription_not_found') end

local claimed = 0
local cursor = '0-0'
repeat
  local reply = redis.call('XAUTOCLAIM', logKey, sub, consumer, 0, cursor, 'COUNT', 500, 'JUSTID')
  cursor = reply[1]
  claimed = claimed + #reply[2]
until cursor == '0-0'

for _, info in ipairs(redis.call('XINFO', 'CONSUMERS', logKey, sub)) do
  local name
  for index = 1, #info, 2 do
    if info[index] == 'name' then name = info[index + 1] end
  end
  if name and name ~= consumer then redis.call('XGROUP', 'DELCONSUMER', logKey, sub, name) end
end
return { tonumber(offsets[1]), tonumber(offsets[2]), meta.status, tonumber(meta.length), claimed }
