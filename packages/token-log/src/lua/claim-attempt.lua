--[[
  A generation attempt takes ownership of its stream before producing.

  Called by a worker when it starts (or restarts) a generation. Raising the owner here, not at
  the first append, fences a stale attempt even before the new one has produced anything.

  KEYS[1] meta hash
  ARGV[1] attempt

  Output: { status, length, cancel requested (1|0) }
  Errors: SPOOL stream_not_found | stale_attempt <owner>
]]
--- @include "stream-meta"

local metaKey = KEYS[1]
local attempt = tonumber(ARGV[1])

local meta, failure = readStreamMeta(metaKey, { 'length', 'attempt', 'cancel' })
if failure then return failure end
local owner = tonumber(meta.attempt)
if attempt < owner then return redis.error_reply('SPOOL stale_attempt ' .. owner) end
if attempt > owner then redis.call('HSET', metaKey, 'attempt', attempt) end
return { meta.status, tonumber(meta.length), meta.cancel == '1' and 1 or 0 }
