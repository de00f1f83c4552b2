/**
 * A worker's Redis calls outlive a Redis restart or failover: `redis_unavailable` (the call may
 * or may not have run) is retried with backoff for a while. Only for calls that are safe to
 * repeat: every write of the token log is (appends carry their offset, claims their attempt).
 */
import { isSpoolError } from '@spool/protocol';
import { backoffDelay, sleep } from '@spool/runtime';

/** How long a call keeps being retried while Redis is unreachable, by default. */
export const REDIS_RETRY_FOR_MS = 30_000;

export async function retryWhileUnavailable<T>(
  call: () => Promise<T>,
  retryForMs = REDIS_RETRY_FOR_MS,
): Promise<T> {
  const deadline = Date.now() + retryForMs;
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (error) {
      if (!isSpoolError(error, 'redis_unavailable') || Date.now() > deadline) throw error;
      await sleep(backoffDelay(retry, { baseMs: 50, maxMs: 1_000 }));
    }
  }
}
