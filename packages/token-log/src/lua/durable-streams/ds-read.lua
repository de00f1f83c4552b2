--[[
  Read a Durable Stream's entries after `from` (GET; HEAD reads none), with its metadata.
  A read that `touch`es it refreshes its sliding TTL (Stream-TTL: reads and writes do, HEAD
  does not).

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] producers hash
  ARGV[1] from (entries already read)    ARGV[2] most entries (0: metadata only)
  ARGV[3] touch (0|1)

  Output: { 'ok', length, closed, content type, ttl, expires at, entries }
    | { 'missing' } | { 'gone' }   (entries: XRANGE's reply)
]]
--- @include "ds-meta"

local keys = { KEYS[1], KEYS[2], KEYS[3] }
local from, count, touch = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local now = nowMs()

local meta, state = readDsMeta(keys, now)
if state then return { state } end
if touch then
  redis.call('HSET', keys[1], 'accessed', now)
  meta.accessed = now
  keepDsExpiry(keys, meta, now)
end
local entries = {}
if count > 0 and from < meta.len then
  entries = redis.call('XRANGE', keys[2], (from + 1) .. '-0', '+', 'COUNT', count)
end
return { 'ok', meta.len, tonumber(meta.closed), meta.ct, meta.ttl, meta.exp, entries }
