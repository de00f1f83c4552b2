--[[
  Read the next entries of a subscription for one consumer (non-blocking XREADGROUP).

  Entries read become pending for `consumer` until acknowledged. The delivered offset moves to
  the end of the last entry read.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] subscription id    ARGV[2] consumer name    ARGV[3] most entries

  Output: { acked, delivered before this read, status, length, entries (XRANGE-shaped), epoch }
  Errors: SPOOL stream_not_found | stream_expired | subscription_not_found
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local sub, consumer, count = ARGV[1], ARGV[2], tonumber(ARGV[3])

local meta, failure = readLiveStreamMeta(metaKey, { 'length', 'epoch' })
if failure then return failure end
local offsets = redis.call('HMGET', subsKey, sub, sub .. ':d')
if not offsets[1] then return redis.error_reply('SPOOL subscription_not_found') end

local entries = {}
local reply = redis.call('XREADGROUP', 'GROUP', sub, consumer, 'COUNT', count, 'STREAMS', logKey, '>')
if reply and reply[1] then
  entries = reply[1][2]
  local lastId = entries[#entries][1]
  redis.call('HSET', subsKey, sub .. ':d', string.match(lastId, '^(%d+)'))
end
return { tonumber(offsets[1]), tonumber(offsets[2]), meta.status, tonumber(meta.length), entries,
  meta.epoch or '' }
