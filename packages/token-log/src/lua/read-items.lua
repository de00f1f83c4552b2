--[[
  Read the entries holding offsets `from` and after, with the stream's state, in one step.

  The entry holding offset N is the first whose id (the offset after its last item) is above N,
  so one XRANGE from `(N+1)-0` finds it. The caller drops the items before N in that entry.
  The range ends with the entry holding the last offset wanted (`from + items - 1`): whatever
  follows it in the log would be sent only to be dropped by the caller.

  KEYS[1] meta hash    KEYS[2] log stream
  ARGV[1] from (offset)    ARGV[2] most entries to return    ARGV[3] most items wanted

  Output: { status, length, finish_reason or '', entries (XRANGE reply), epoch }
  (the epoch is described in include/epoch.lua; '' for a stream made before epochs)
  Errors: SPOOL stream_not_found | stream_expired | offset_expired <first retained>
        | offset_out_of_range <length>
]]
--- @include "stream-meta"

local metaKey, logKey = KEYS[1], KEYS[2]
local from = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])

local meta, failure = readLiveStreamMeta(metaKey, { 'length', 'trimmed', 'finish_reason', 'epoch' })
if failure then return failure end

local length = tonumber(meta.length)
local trimmed = tonumber(meta.trimmed or 0)
if from < trimmed then return redis.error_reply('SPOOL offset_expired ' .. trimmed) end
if from > length then return redis.error_reply('SPOOL offset_out_of_range ' .. length) end

local entries = {}
if from < length then
  -- The offset after the last item wanted: entries up to it, then the one holding its item
  -- when that entry goes on past it (its id is then the first above `last`).
  local last = math.min(from + wanted, length)
  entries = redis.call('XRANGE', logKey, (from + 1) .. '-0', last .. '-0', 'COUNT', count)
  local found = #entries
  local reached = found > 0 and tonumber(string.match(entries[found][1], '^%d+')) or from
  if found < count and reached < last then
    local holding = redis.call('XRANGE', logKey, (last + 1) .. '-0', '+', 'COUNT', 1)
    if holding[1] then entries[found + 1] = holding[1] end
  end
end
return { meta.status, length, meta.finish_reason or '', entries, meta.epoch or '' }
