--[[
  Acknowledge a subscription up to an offset: every item below it is processed.

  Acks only move forward (an older ack is a no-op). Entries wholly below the offset leave the
  group's pending list; an entry only partly acknowledged stays pending, and the ack offset says
  which of its items are done. Acknowledging past the delivered offset is allowed (the client
  may have read those items another way) up to the stream's length.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] subscription id    ARGV[2] offset    ARGV[3] acks channel

  A new ack is published (SPUBLISH: on a cluster, only on the stream's shard) on the acks channel
  as `<subscription> <offset>`, so the gateway delivering the subscription reopens its window even
  when the ack came through another one.

  Output: the acknowledged offset after the call
  Errors: SPOOL stream_not_found | subscription_not_found | offset_out_of_range <length>
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local sub = ARGV[1]
local offset = tonumber(ARGV[2])

local meta, failure = readStreamMeta(metaKey, { 'length' })
if failure then return failure end
local length = tonumber(meta.length)
local offsets = redis.call('HMGET', subsKey, sub, sub .. ':d')
if not offsets[1] then return redis.error_reply('SPOOL subscription_not_found') end
if offset > length then return redis.error_reply('SPOOL offset_out_of_range ' .. length) end

local acked = tonumber(offsets[1])
if offset <= acked then return acked end

redis.call('HSET', subsKey, sub, offset)
if offset > tonumber(offsets[2]) then
  redis.call('HSET', subsKey, sub .. ':d', offset)
  redis.call('XGROUP', 'SETID', logKey, sub, offset .. '-0')
end
while true do
  local pending = redis.call('XPENDING', logKey, sub, '-', offset .. '-0', 500)
  if #pending == 0 then break end
  local ids = {}
  for index, entry in ipairs(pending) do ids[index] = entry[1] end
  redis.call('XACK', logKey, sub, unpack(ids))
  if #pending < 500 then break end
end
redis.call('SPUBLISH', ARGV[3], sub .. ' ' .. offset)
return offset
