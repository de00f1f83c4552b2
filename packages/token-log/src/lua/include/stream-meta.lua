--[[
  A stream's metadata fields by name, or the error reply a script returns when the stream is gone.

  readStreamMeta(metaKey, names) -> meta | nil, error reply
    meta.status and meta[name] for each of `names` (false when the field is not set);
    `SPOOL stream_not_found` when the stream has no metadata.
  readLiveStreamMeta(metaKey, names) -> the same, and also
    `SPOOL stream_expired` once the stream's retention has passed: its metadata outlives its
    items by the tombstone grace so that readers learn why, rather than "not found".

  A caller returns the error reply as it is:
    local meta, failure = readStreamMeta(metaKey, { 'length' })
    if failure then return failure end
]]
--- @include "now"

local function readStreamMeta(metaKey, names)
  local values = redis.call('HMGET', metaKey, 'status', unpack(names))
  if not values[1] then return nil, redis.error_reply('SPOOL stream_not_found') end
  local meta = { status = values[1] }
  for index, name in ipairs(names) do meta[name] = values[index + 1] end
  return meta
end

local function readLiveStreamMeta(metaKey, names)
  local meta, failure = readStreamMeta(metaKey, { 'expires_at', unpack(names) })
  if failure then return nil, failure end
  if meta.expires_at and nowMs() >= tonumber(meta.expires_at) then
    return nil, redis.error_reply('SPOOL stream_expired')
  end
  return meta
end
