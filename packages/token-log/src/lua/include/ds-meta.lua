--[[
  A Durable Stream's metadata (durable-streams.ts): read with its expiry applied, and the Redis
  key expiry kept in step with it.

  Meta hash fields: ct (content type as given), ctn (its media type, lower case), ttl (seconds,
  '' none), exp (Stream-Expires-At as given, '' none), exp_ms (the same in ms, '' none),
  accessed (ms of the last read or write, for the sliding TTL), closed (0|1), len (entries),
  seq (last Stream-Seq, '' none), forks (live forks holding it), deleted (0|1: soft-deleted,
  kept while forks hold it), from (forked-from name, '' none), fork_at, fork_sub,
  closed_by ("<producer id> <epoch> <seq>" of the append that closed it, '' none).

  readDsMeta(keys, now) -> meta | nil, 'missing' | 'gone'
    An expired stream is deleted ('missing'), or soft-deleted when forks still hold it ('gone').
  keepDsExpiry(keys, meta, now)
    Sets the keys' PEXPIRE to the logical expiry (a backstop: scripts check it themselves), or
    PERSISTs them while forks hold the stream or it has no expiry.
  deleteDs(keys)
]]
--- @include "now"

local DS_FIELDS = { 'ct', 'ctn', 'ttl', 'exp', 'exp_ms', 'accessed', 'closed', 'len', 'seq',
  'forks', 'deleted', 'from', 'fork_at', 'fork_sub', 'closed_by' }

local function deleteDs(keys)
  redis.call('DEL', keys[1], keys[2], keys[3])
end

local function dsExpiresAt(meta)
  local at = nil
  if meta.exp_ms ~= '' then at = tonumber(meta.exp_ms) end
  if meta.ttl ~= '' then
    local sliding = tonumber(meta.accessed) + tonumber(meta.ttl) * 1000
    if at == nil or sliding < at then at = sliding end
  end
  return at
end

local function readDsMeta(keys, now)
  local values = redis.call('HMGET', keys[1], unpack(DS_FIELDS))
  if not values[1] then return nil, 'missing' end
  local meta = {}
  for index, name in ipairs(DS_FIELDS) do meta[name] = values[index] or '' end
  meta.len = tonumber(meta.len)
  meta.forks = tonumber(meta.forks)
  local expiresAt = dsExpiresAt(meta)
  if meta.deleted ~= '1' and expiresAt ~= nil and now >= expiresAt then
    if meta.forks > 0 then
      redis.call('HSET', keys[1], 'deleted', '1')
      meta.deleted = '1'
    else
      deleteDs(keys)
      return nil, 'missing'
    end
  end
  if meta.deleted == '1' then return meta, 'gone' end
  return meta
end

local function keepDsExpiry(keys, meta, now)
  local expiresAt = dsExpiresAt(meta)
  for _, key in ipairs(keys) do
    if meta.forks > 0 or expiresAt == nil then
      redis.call('PERSIST', key)
    else
      -- A second past the logical expiry: scripts see it first and answer for it.
      redis.call('PEXPIRE', key, math.max(expiresAt - now, 0) + 1000)
    end
  end
end
