--[[
  Ask a stream's generation to stop.

  A queued stream (no worker has it yet) is ended here and now with `end` (cancelled), so it
  never waits for a worker. A running one is flagged and its worker is told on the control
  channel; the worker aborts its model call and appends the `end` itself. An ended stream is
  left as it is. Both channels are sharded (SPUBLISH): on a cluster only the stream's shard
  carries them. The `end` appended here is published like any append (append-items.lua), and
  starts a new epoch first when the stream's is of another server run (include/epoch.lua).

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] retention TTL in ms    ARGV[2] tombstone grace in ms
  ARGV[3] events channel    ARGV[4] control channel
  ARGV[5] encoded entry items of the `end` item (used when the stream is queued)

  Output: the status after the call: cancelled | running | done | failed
  Errors: SPOOL stream_not_found
]]
--- @include "stream-meta"
--- @include "epoch"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local ttlMs = tonumber(ARGV[1])
local tombstoneMs = tonumber(ARGV[2])

local meta, failure = readStreamMeta(metaKey, { 'length', 'epoch', 'epochs' })
if failure then return failure end
local status = meta.status
if status == 'done' or status == 'cancelled' or status == 'failed' then return status end

redis.call('HSET', metaKey, 'cancel', 1)
redis.call('SPUBLISH', ARGV[4], 'cancel')
if status == 'running' then return status end

local now = nowMs()
local length = tonumber(meta.length)
local epoch = refreshEpoch(metaKey, meta, length)
redis.call('XADD', logKey, (length + 1) .. '-0', 'f', length, 't', now, 'd', ARGV[5])
redis.call('HSET', metaKey, 'length', length + 1, 'last_append_at', now, 'status', 'cancelled',
  'finish_reason', 'cancelled', 'finished_at', now, 'expires_at', now + ttlMs)
redis.call('PEXPIRE', logKey, ttlMs)
redis.call('PEXPIRE', subsKey, ttlMs)
redis.call('PEXPIRE', metaKey, ttlMs + tombstoneMs)
redis.call('SPUBLISH', ARGV[3],
  'v2 ' .. length .. ' ' .. (length + 1) .. ' ' .. now .. ' cancelled ' .. epoch .. '\n' .. ARGV[5])
return 'cancelled'
