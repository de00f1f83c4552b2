--[[
  Read the next entries of a subscription for one consumer (non-blocking XREADGROUP).

  Entries read become pending for `consumer` until acknowledged. The delivered offset moves to
  the end of the last entry read.

  A group hands out whole entries and XREADGROUP counts entries, not items: the entries are read
  in batches sized from the items they held so far, until they hold the items wanted (the last
  one may go past them) or the group has no more. So a reader asking for 256 items of a log of
  full entries (64 items each) gets 4 entries, not the dozens that sparse entries would need.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] subscription id    ARGV[2] consumer name    ARGV[3] most items wanted
  ARGV[4] most items an entry holds    ARGV[5] most entries to return

  Output: { acked, delivered before this read, status, length, entries (XRANGE-shaped), epoch }
  Errors: SPOOL stream_not_found | stream_expired | subscription_not_found
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local sub, consumer = ARGV[1], ARGV[2]
local wanted, entryItems, most = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])

local meta, failure = readLiveStreamMeta(metaKey, { 'length', 'epoch' })
if failure then return failure end
local offsets = redis.call('HMGET', subsKey, sub, sub .. ':d')
if not offsets[1] then return redis.error_reply('SPOOL subscription_not_found') end

local entries = {}
local from = tonumber(offsets[2])
local held = 0
local batch = math.min(most, math.ceil(wanted / entryItems))
while batch > 0 do
  local reply = redis.call('XREADGROUP', 'GROUP', sub, consumer, 'COUNT', batch, 'STREAMS', logKey, '>')
  local found = reply and reply[1] and reply[1][2] or {}
  for i = 1, #found do entries[#entries + 1] = found[i] end
  if #found < batch then break end
  -- An entry's id is the offset after its last item.
  held = tonumber(string.match(found[#found][1], '^(%d+)')) - from
  if held >= wanted then break end
  local perEntry = math.max(1, held / #entries)
  batch = math.min(most - #entries, math.ceil((wanted - held) / perEntry))
end
if #entries > 0 then
  redis.call('HSET', subsKey, sub .. ':d', string.match(entries[#entries][1], '^(%d+)'))
end
return { tonumber(offsets[1]), tonumber(offsets[2]), meta.status, tonumber(meta.length), entries,
  meta.epoch or '' }
