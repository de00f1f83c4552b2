--[[
  Create a Durable Stream (PUT), idempotently: a stream that exists with the same configuration
  is answered as it is; another configuration is a conflict. Initial entries (the PUT's body,
  and for a fork the entries copied from its source, see durable-streams.ts) are stored in the
  same step, each as entry `<n>-0` (n = entries up to and including it) with field `d`.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] producers hash
  ARGV[1] content type    ARGV[2] its media type (lower case)    ARGV[3] TTL seconds ('' none)
  ARGV[4] Stream-Expires-At ('' none)    ARGV[5] the same in ms ('' none)
  ARGV[6] closed (0|1)    ARGV[7] forked from ('' none)    ARGV[8] fork offset ('' any)
  ARGV[9] fork sub-offset    ARGV[10] events channel    ARGV[11..] initial entries

  Output: { 'created' | 'exists', length, closed (0|1) } | { 'conflict' } | { 'gone' }
    ('gone': a soft-deleted stream still held by forks has the name)
]]
--- @include "ds-meta"

local keys = { KEYS[1], KEYS[2], KEYS[3] }
local contentType, mediaType, ttl, expires, expiresMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local closed, from, forkAt, forkSub, channel = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local FIRST_ENTRY = 11
local now = nowMs()

local meta, state = readDsMeta(keys, now)
if state == 'gone' then return { 'gone' } end
if meta then
  local same = meta.ctn == mediaType and meta.ttl == ttl and meta.exp == expires
    and meta.closed == closed and meta.from == from
    and (forkAt == '' or meta.fork_at == forkAt) and meta.fork_sub == forkSub
  if not same then return { 'conflict' } end
  return { 'exists', meta.len, tonumber(meta.closed) }
end

local length = 0
for index = FIRST_ENTRY, #ARGV do
  length = length + 1
  redis.call('XADD', keys[2], length .. '-0', 'd', ARGV[index])
end
redis.call('HSET', keys[1], 'ct', contentType, 'ctn', mediaType, 'ttl', ttl, 'exp', expires,
  'exp_ms', expiresMs, 'accessed', now, 'closed', closed, 'len', length, 'seq', '', 'forks', 0,
  'deleted', 0, 'from', from, 'fork_at', forkAt, 'fork_sub', forkSub, 'closed_by', '')
meta = readDsMeta(keys, now)
keepDsExpiry(keys, meta, now)
redis.call('SPUBLISH', channel, length .. ' ' .. closed)
return { 'created', length, tonumber(closed) }
