--[[
  A stream's epoch: which version of its log a reader has been shown.

  Redis may lose the last writes it acknowledged: an AOF with `appendfsync everysec` loses up to
  a second at a crash, a promoted replica lacks what its master had not sent it. The stream's
  metadata and log then lose the same tail (a script's writes are one transaction in the AOF and
  in replication), and the next append would put DIFFERENT items at offsets a reader may already
  hold. Every stream therefore carries an epoch, set by the server run that last wrote it: the
  first 8 hex digits of that server's `run_id`, which changes at every restart and differs on a
  promoted replica. The first write of another server run (an append, a cancel's `end`) starts a
  new epoch at the stream's length, before it writes anything. A reader holding offsets of an
  older epoch beyond that length may hold lost items: it must start again (`stream_reset`).

  Fields of the meta hash:
    epoch   the current epoch ("" for a stream made before epochs existed)
    epochs  its history, oldest first: "<epoch>:<offset where it starts> ..." (the first starts at 0)

  serverEpoch() -> this server run's epoch
  refreshEpoch(metaKey, meta, length) -> the stream's epoch, new when `meta.epoch` (read by the
    caller) is of another server run; `meta.epochs` must have been read too.
]]

local function serverEpoch()
  local info = redis.call('INFO', 'server')
  return string.match(info, 'run_id:(%x%x%x%x%x%x%x%x)')
end

local function refreshEpoch(metaKey, meta, length)
  local current = serverEpoch()
  if meta.epoch == current then return current end
  local history = meta.epochs
  if not history or history == '' then history = (meta.epoch or '') .. ':0' end
  redis.call('HSET', metaKey, 'epoch', current, 'epochs', history .. ' ' .. current .. ':' .. length)
  return current
end
