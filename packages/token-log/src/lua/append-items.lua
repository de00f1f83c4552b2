--[[
  Append one batch of items to a stream: assign offsets, fence the producer, store, wake readers.

  The producer says where its batch starts (`at`). Offsets are dense, so:
  - at + count <= length: a retried append when its first entry is stored there byte for byte:
    nothing changes; otherwise offset_conflict;
  - at == length: the batch is appended;
  - otherwise: offset_conflict, with the current length so the producer can resync.
  Each entry's id is `<offset after its last item>-0`: ids derived from offsets make a stored
  entry impossible to add twice and let a read find the entry holding any offset with one XRANGE.

  Fencing: an append carries its generation attempt. An attempt older than the stream's owner is
  refused; a newer one takes ownership. A final batch (ending with `end`) sets the status,
  the finish reason and the retention TTL in the same step.

  Epoch: the first append of another Redis server run than the stream's epoch (a restart, a
  promoted replica) starts a new epoch at the stream's length before it writes
  (include/epoch.lua): the items it stores may differ from items that run lost.

  Item index: offsets of the items readers need without scanning, kept in the meta hash — where
  each content block starts (`block:<n>`), the first token (`first_token`), the latest usage item
  (`usage_at`) — given by the caller as "<field> <offset> …" pairs: ARGV[10] fields set once
  (first one wins), ARGV[11] fields overwritten. `indexed_from` is the offset of the first append
  that kept the index (0 for a stream indexed from its start). So a block read starts at its
  block, and an OpenAI-format resume rebuilds its state from a few items instead of [0, N).

  Waking readers: the batch itself is published (SPUBLISH, so on a cluster only the stream's
  shard carries it) on the events channel, in the format of notification-codec.ts:
    v2 <from> <to> <t> <status> <epoch>\n<d of entry 1>\n<d of entry 2>...
  or the header line alone when the entries take more than the byte bound (readers then read the
  log). A retried append that changes nothing publishes nothing.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] subscriptions hash
  ARGV[1] attempt      ARGV[2] at (offset of the first item)
  ARGV[3] final status ('' unless the batch ends the stream)    ARGV[4] finish reason
  ARGV[5] retention TTL in ms    ARGV[6] tombstone grace in ms    ARGV[7] length cap
  ARGV[8] events channel    ARGV[9] most bytes of entries a message carries
  ARGV[10] index fields to set once: "<field> <offset> …" ('' for none)
  ARGV[11] index fields to overwrite: "<field> <offset> …" ('' for none)
  ARGV[12], ARGV[13], ... pairs: item count of an entry, encoded items of that entry

  Output: { new length, appended (1|0) }
  Errors: SPOOL stream_not_found | stale_attempt <owner> | offset_conflict <length>
        | stream_ended <length> | stream_full <length>
]]
--- @include "stream-meta"
--- @include "epoch"

local metaKey, logKey, subsKey = KEYS[1], KEYS[2], KEYS[3]
local attempt = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
local finalStatus = ARGV[3]
local finishReason = ARGV[4]
local ttlMs = tonumber(ARGV[5])
local tombstoneMs = tonumber(ARGV[6])
local lengthCap = tonumber(ARGV[7])
local channel = ARGV[8]
local messageMaxBytes = tonumber(ARGV[9])
local indexOnce, indexLatest = ARGV[10], ARGV[11]
local FIRST_ENTRY = 12

local total = 0
for index = FIRST_ENTRY, #ARGV, 2 do total = total + tonumber(ARGV[index]) end

local meta, failure = readStreamMeta(metaKey, { 'length', 'attempt', 'epoch', 'epochs' })
if failure then return failure end
local status = meta.status
local length = tonumber(meta.length)
local owner = tonumber(meta.attempt)

if attempt < owner then return redis.error_reply('SPOOL stale_attempt ' .. owner) end
if at + total <= length then
  -- Already stored, if the entry at that place is this batch's first entry, byte for byte;
  -- anything else is another producer's data at those offsets.
  local id = (at + tonumber(ARGV[FIRST_ENTRY])) .. '-0'
  local stored = redis.call('XRANGE', logKey, id, id)
  local fields = stored[1] and stored[1][2]
  if fields and fields[2] == tostring(at) and fields[6] == ARGV[FIRST_ENTRY + 1] then
    return { length, 0 }
  end
  return redis.error_reply('SPOOL offset_conflict ' .. length)
end
if at ~= length then return redis.error_reply('SPOOL offset_conflict ' .. length) end
if status == 'done' or status == 'cancelled' or status == 'failed' then
  return redis.error_reply('SPOOL stream_ended ' .. length)
end
-- The cap leaves room for the closing `error` and `end`, so a full stream can still end.
if finalStatus == '' and length + total > lengthCap then
  return redis.error_reply('SPOOL stream_full ' .. length)
end

local epoch = refreshEpoch(metaKey, meta, length)
local now = nowMs()

local first = at
local entries, bytes = {}, -1
for index = FIRST_ENTRY, #ARGV, 2 do
  local count = tonumber(ARGV[index])
  redis.call('XADD', logKey, (first + count) .. '-0', 'f', first, 't', now, 'd', ARGV[index + 1])
  first = first + count
  entries[#entries + 1] = ARGV[index + 1]
  bytes = bytes + #ARGV[index + 1] + 1
end

redis.call('HSET', metaKey, 'length', first, 'last_append_at', now)
redis.call('HSETNX', metaKey, 'indexed_from', at)
local function keepIndex(pairs, command)
  local field = nil
  for word in string.gmatch(pairs, '%S+') do
    if field == nil then
      field = word
    else
      redis.call(command, metaKey, field, word)
      field = nil
    end
  end
end
keepIndex(indexOnce, 'HSETNX')
keepIndex(indexLatest, 'HSET')
if attempt > owner then redis.call('HSET', metaKey, 'attempt', attempt) end
if status == 'queued' then redis.call('HSET', metaKey, 'status', 'running', 'started_at', now) end

if finalStatus ~= '' then
  redis.call('HSET', metaKey, 'status', finalStatus, 'finish_reason', finishReason,
    'finished_at', now, 'expires_at', now + ttlMs)
  redis.call('PEXPIRE', logKey, ttlMs)
  redis.call('PEXPIRE', subsKey, ttlMs)
  redis.call('PEXPIRE', metaKey, ttlMs + tombstoneMs)
elseif length == 0 then
  -- A log must never outlive its metadata: until the stream ends it shares the meta's max age.
  redis.call('PEXPIRE', logKey, math.max(redis.call('PTTL', metaKey), 1))
end

local message = 'v2 ' .. at .. ' ' .. first .. ' ' .. now .. ' '
  .. (finalStatus ~= '' and finalStatus or 'running') .. ' ' .. epoch
if bytes <= messageMaxBytes then message = message .. '\n' .. table.concat(entries, '\n') end
redis.call('SPUBLISH', channel, message)
return { first, 1 }
