--[[
  Create a durable subscription: a consumer group on the stream's log plus its ack offset.

  The group's last-delivered id is set to `<from>-0`, so its next read starts with the entry
  holding offset `from`. The subscription hash keeps `<sub>` = acknowledged offset (items below
  it are processed) and `<sub>:d` = delivered offset (items below it were handed to a consumer).

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] subscription id    ARGV[2] from (offset)

  Output: { from, length }
  Errors: SPOOL stream_not_found | stream_expired | offset_expired <first retained>
        | offset_out_of_range <length> | subscription_exists
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local sub = ARGV[1]
local from = tonumber(ARGV[2])

local meta, failure = readLiveStreamMeta(metaKey, { 'length', 'trimmed' })
if failure then return failure end
local length = tonumber(meta.length)
if from < tonumber(meta.trimmed or 0) then return redis.error_reply('SPOOL offset_expired ' .. meta.trimmed) end
if from > length then return redis.error_reply('SPOOL offset_out_of_range ' .. length) end
if redis.call('HEXISTS', subsKey, sub) == 1 then return redis.error_reply('SPOOL subscription_exists') end

redis.call('XGROUP', 'CREATE', logKey, sub, from .. '-0', 'MKSTREAM')
redis.call('HSET', subsKey, sub, from, sub .. ':d', from)
-- Keys created here share the lifetime of the stream's metadata.
local ttl = redis.call('PTTL', metaKey)
if ttl > 0 then
  if redis.call('PTTL', logKey) == -1 then redis.call('PEXPIRE', logKey, ttl) end
  redis.call('PEXPIRE', subsKey, ttl)
end
return { from, length }
