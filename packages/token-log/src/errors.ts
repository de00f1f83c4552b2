/**
 * The one place that turns Redis failures into Spool errors.
 *
 * Scripts fail with `SPOOL <code> [<number>]` (see the header of each script); the number is
 * the stream's length, owner attempt or first retained offset, kept in `details.value`.
 * Connection failures become `redis_unavailable`, which clients may retry.
 */
import { type ErrorCode, isErrorCode, SpoolError } from '@spool/protocol';

const SCRIPT_ERROR = /SPOOL (\w+)(?: (\d+))?/;

const CONNECTION_ERRORS = [
  'Connection is closed',
  // ioredis, for the commands of a pipeline cut by a connection close (a Redis restart): they may
  // or may not have run, as with a reset connection; every write of the log is safe to retry.
  'Command aborted due to connection close',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  "Stream isn't writeable",
  'max retries per request',
  'CLUSTERDOWN',
  'LOADING',
  'MASTERDOWN',
  'Command timed out',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
];

export function toSpoolError(error: unknown): SpoolError {
  if (error instanceof SpoolError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const match = SCRIPT_ERROR.exec(message);
  if (match && isErrorCode(match[1])) {
    const code: ErrorCode = match[1];
    const value = match[2] === undefined ? undefined : Number(match[2]);
    return new SpoolError(code, undefined, {
      cause: error,
      details: value === undefined ? undefined : { value },
    });
  }
  // Redis at `maxmemory` under `noeviction` refuses writes: the system is full, not broken. The
  // message (script SHA, line) stays in `cause`, for the logs.
  if (message.startsWith('OOM ')) {
    return new SpoolError('over_capacity', 'Redis is full (maxmemory); retry later.', {
      cause: error,
    });
  }
  if (CONNECTION_ERRORS.some((fragment) => message.includes(fragment))) {
    return new SpoolError('redis_unavailable', undefined, { cause: error });
  }
  return new SpoolError('internal', `Token log failure: ${message}`, { cause: error });
}

/** Runs a Redis call and rethrows its failure as a SpoolError. */
export async function mapRedisErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toSpoolError(error);
  }
}
