--[[
  Append to a Durable Stream (POST), and/or close it: the checks, the idempotent producer's
  state and the entries in one step, so a producer's state never moves without its data.

  Order of the checks (the reference server's): closed, content type, producer, Stream-Seq.
  Producer (Producer-Id/-Epoch/-Seq, state "<epoch> <last seq>" in the producers hash):
    unknown producer: seq must be 0; an older epoch: stale; a newer epoch: seq must be 0;
    seq <= last: duplicate (nothing stored); seq = last + 1: accepted; else a gap.
  A close-only request (no entries) of a closed stream is idempotent; with a producer it is a
  duplicate only when the same producer, epoch and seq closed it.

  KEYS[1] meta hash    KEYS[2] log stream    KEYS[3] producers hash
  ARGV[1] media type of the request ('' none)    ARGV[2] Stream-Seq ('' none)
  ARGV[3] producer id ('' none)    ARGV[4] producer epoch    ARGV[5] producer seq
  ARGV[6] close (0|1)    ARGV[7] events channel    ARGV[8..] entries

  Output: { 'ok', length, closed } | { 'missing' } | { 'gone' } | { 'closed', length }
    | { 'duplicate', last seq, length, closed } | { 'content_type' } | { 'seq_conflict' }
    | { 'stale_epoch', epoch } | { 'epoch_seq' } | { 'gap', expected seq, received seq }
]]
--- @include "ds-meta"

local keys = { KEYS[1], KEYS[2], KEYS[3] }
local mediaType, streamSeq, producer = ARGV[1], ARGV[2], ARGV[3]
local epoch, seq, close, channel = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1', ARGV[7]
local FIRST_ENTRY = 8
local count = #ARGV - FIRST_ENTRY + 1
local now = nowMs()

local meta, state = readDsMeta(keys, now)
if state then return { state } end

local closedBy = producer ~= '' and string.format('%s %d %d', producer, epoch, seq) or ''
if meta.closed == '1' then
  if producer ~= '' and meta.closed_by == closedBy then
    return { 'duplicate', seq, meta.len, 1 }
  end
  if count == 0 and producer == '' then return { 'ok', meta.len, 1 } end
  return { 'closed', meta.len }
end
if count > 0 and mediaType ~= '' and mediaType ~= meta.ctn then return { 'content_type' } end

local producerState = nil
if producer ~= '' then
  local stored = redis.call('HGET', keys[3], producer)
  if not stored then
    if seq ~= 0 then return { 'gap', 0, seq } end
  else
    local storedEpoch, lastSeq = string.match(stored, '^(%d+) (%d+)')
    storedEpoch, lastSeq = tonumber(storedEpoch), tonumber(lastSeq)
    if epoch < storedEpoch then return { 'stale_epoch', storedEpoch } end
    if epoch > storedEpoch then
      if seq ~= 0 then return { 'epoch_seq' } end
    elseif seq <= lastSeq then
      return { 'duplicate', lastSeq, meta.len, 0 }
    elseif seq ~= lastSeq + 1 then
      return { 'gap', lastSeq + 1, seq }
    end
  end
  producerState = string.format('%d %d', epoch, seq)
end
if streamSeq ~= '' and meta.seq ~= '' and streamSeq <= meta.seq then return { 'seq_conflict' } end

local length = meta.len
for index = FIRST_ENTRY, #ARGV do
  length = length + 1
  redis.call('XADD', keys[2], length .. '-0', 'd', ARGV[index])
end
redis.call('HSET', keys[1], 'len', length, 'accessed', now)
meta.accessed = now
if streamSeq ~= '' then redis.call('HSET', keys[1], 'seq', streamSeq) end
if producerState then redis.call('HSET', keys[3], producer, producerState) end
if close then
  redis.call('HSET', keys[1], 'closed', 1, 'closed_by', closedBy)
end
keepDsExpiry(keys, meta, now)
redis.call('SPUBLISH', channel, length .. ' ' .. (close and 1 or 0))
return { 'ok', length, close and 1 or 0 }
