--[[
  Drop the oldest entries of a stream, never past what every subscription has acknowledged.

  Entries wholly below `before` are removed. The first retained offset (the first item of the
  first entry left) becomes the `trimmed` mark: a read below it answers offset_expired instead
  of silently skipping items.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] before (offset)

  Output: the first retained offset
  Errors: SPOOL stream_not_found
]]
--- @include "stream-meta"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local before = tonumber(ARGV[1])

local meta, failure = readStreamMeta(metaKey, { 'length' })
if failure then return failure end
local length = tonumber(meta.length)
before = math.min(before, length)
local subs = redis.call('HGETALL', subsKey)
for index = 1, #subs, 2 do
  if not string.find(subs[index], ':d$') then before = math.min(before, tonumber(subs[index + 1])) end
end

redis.call('XTRIM', logKey, 'MINID', (before + 1) .. '-0')
local first = redis.call('XRANGE', logKey, '-', '+', 'COUNT', 1)
local retained = length
if first[1] then
  local fields = first[1][2]
  for index = 1, #fields, 2 do
    if fields[index] == 'f' then retained = tonumber(fields[index + 1]) end
  end
end
local current = tonumber(redis.call('HGET', metaKey, 'trimmed') or 0)
if retained > current then redis.call('HSET', metaKey, 'trimmed', retained) end
return math.max(retained, current)
