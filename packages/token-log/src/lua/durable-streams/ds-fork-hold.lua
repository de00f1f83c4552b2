--[[
  A fork takes (delta 1) or gives back (delta -1) its hold on its source. A source held by forks
  is soft-deleted rather than deleted (its name answers 410 and cannot be reused) and does not
  expire by key expiry; when the last fork lets go of a soft-deleted source, the source is
  deleted, and the caller lets go of that source's own source in turn (forks on a Cluster may
  live on other shards than their source: each step is one script on one stream's keys).

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] producers hash
  ARGV[1] delta (1|-1)    ARGV[2] fork offset (entries; '' = the source's length), for delta 1

  Output: delta 1: { 'ok', fork offset, length, content type, media type, ttl, expires at,
    expires at ms } | { 'missing' } | { 'gone' } | { 'offset' } (past the source's end);
    delta -1: { 'held' } | { 'deleted', its own source ('' none) } | { 'missing' }
]]
--- @include "ds-meta"

local keys = { KEYS[1], KEYS[2], KEYS[3] }
local delta, forkAt = tonumber(ARGV[1]), ARGV[2]
local now = nowMs()

local meta, state = readDsMeta(keys, now)
if delta > 0 then
  if state then return { state } end
  local at = meta.len
  if forkAt ~= '' then at = tonumber(forkAt) end
  if at > meta.len then return { 'offset' } end
  meta.forks = meta.forks + 1
  redis.call('HSET', keys[1], 'forks', meta.forks)
  keepDsExpiry(keys, meta, now)
  return { 'ok', at, meta.len, meta.ct, meta.ctn, meta.ttl, meta.exp, meta.exp_ms }
end
if not meta then return { 'missing' } end
meta.forks = math.max(meta.forks - 1, 0)
redis.call('HSET', keys[1], 'forks', meta.forks)
if meta.forks == 0 and meta.deleted == '1' then
  deleteDs(keys)
  return { 'deleted', meta.from }
end
keepDsExpiry(keys, meta, now)
return { 'held' }
