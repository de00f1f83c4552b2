--[[
  Create a stream's metadata, idempotently by id.

  A create with an id that exists returns the existing stream, unless it was made from a
  different request (another request hash): then it is a conflict. A new stream starts
  `queued` with length 0 and lives at most `maxAgeMs` unless it ends sooner (its end sets
  the retention TTL instead). Its epoch is this server run's (include/epoch.lua).

  KEYS[1] meta hash
  ARGV[1] stream id
  ARGV[2] request hash ('' when the caller does not care)
  ARGV[3] max age in ms
  ARGV[4..] extra field/value pairs to store (model, metadata, ...)

  Output: { created (1|0), status, length }
  Errors: SPOOL stream_exists
]]
--- @include "now"
--- @include "epoch"

local metaKey = KEYS[1]
local streamId = ARGV[1]
local requestHash = ARGV[2]
local maxAgeMs = tonumber(ARGV[3])

local existing = redis.call('HMGET', metaKey, 'status', 'length', 'request_hash')
if existing[1] then
  if requestHash ~= '' and existing[3] and existing[3] ~= requestHash then
    return redis.error_reply('SPOOL stream_exists')
  end
  return { 0, existing[1], tonumber(existing[2]) }
end

local now = nowMs()
local epoch = serverEpoch()

redis.call('HSET', metaKey, 'id', streamId, 'status', 'queued', 'length', 0, 'attempt', 0,
  'created_at', now, 'request_hash', requestHash, 'trimmed', 0,
  'epoch', epoch, 'epochs', epoch .. ':0')
for index = 4, #ARGV, 2 do
  redis.call('HSET', metaKey, ARGV[index], ARGV[index + 1])
end
redis.call('PEXPIRE', metaKey, maxAgeMs)
return { 1, 'queued', 0 }
