--[[
  Delete a Durable Stream (DELETE). One held by forks is soft-deleted: its name answers 410
  until the last fork is deleted (ds-fork-hold.lua). Readers waiting on it are woken.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] producers hash
  ARGV[1] events channel

  Output: { 'deleted', its source ('' none) } | { 'soft' } | { 'missing' } | { 'gone' }
]]
--- @include "ds-meta"

local keys = { KEYS[1], KEYS[2], KEYS[3] }
local now = nowMs()

local meta, state = readDsMeta(keys, now)
if state then return { state } end
redis.call('SPUBLISH', ARGV[1], 'deleted')
if meta.forks > 0 then
  redis.call('HSET', keys[1], 'deleted', '1')
  return { 'soft' }
end
deleteDs(keys)
return { 'deleted', meta.from }
