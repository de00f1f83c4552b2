/**
 * Taking back a job lock that lapsed while its run was alive: Redis was out of reach (a restart,
 * a failover) or the event loop stopped for longer than the lock's margin. BullMQ's renewal then
 * fails for good (it only extends a lock that is still there), and the job would move to a new
 * run although this one is fine. When the job is still active and no one holds its lock, the run
 * takes the lock again: one script, so a stalled check either ran before it (the job is no longer
 * active: the run stops) or finds the lock back. Every key is under the queue's hash tag.
 *
 * Only the job's latest run may take it back: its attempt must still be the job's `ats` (BullMQ's
 * count of started runs). An older run still alive (frozen, starved, not yet fenced) that took
 * the lock of a newer run whose own lock had lapsed would, once fenced, complete the job: the
 * job was gone while the newer run went on without it, and when that run's worker died nothing
 * restarted the stream — it stayed `running` for good (seen in loaded Cluster runs).
 */
import { QUEUE_NAME } from '@spool/generation-queue';
import type { RedisClient } from '@spool/token-log';

// KEYS: the job's lock, the queue's active list, its stalled set, the job's hash. ARGV: job id,
// token, lock ms, the run's attempt. 1: the lock is this run's again (or still was); 0: the job
// is another run's, started again since this run, or not active.
const RECLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[2] then return 1 end
if holder then return 0 end
if redis.call('HGET', KEYS[4], 'ats') ~= ARGV[4] then return 0 end
if not redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SREM', KEYS[3], ARGV[1])
return 1
`;

export interface LockReclaim {
  connection: RedisClient;
  /** The queue's prefix (SPOOL_QUEUE_PREFIX). */
  prefix: string;
  lockMs: number;
}

/**
 * True when the job's lock is this run's token again; false when the job is another run's.
 * `attempt`: the run's `attemptsStarted`.
 */
export async function reclaimLock(
  reclaim: LockReclaim,
  job: { id: string; token: string; attempt: number },
): Promise<boolean> {
  const base = `${reclaim.prefix}:${QUEUE_NAME}`;
  const keys = [`${base}:${job.id}:lock`, `${base}:active`, `${base}:stalled`, `${base}:${job.id}`];
  const result = await reclaim.connection.eval(
    RECLAIM,
    keys.length,
    ...keys,
    job.id,
    job.token,
    String(reclaim.lockMs),
    String(job.attempt),
  );
  return result === 1;
}
