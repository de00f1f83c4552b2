/**
 * What the parts of the Redis token log share: its connections, scripts, key names and settings.
 */
import { SpoolError } from '@spool/protocol';
import type { RedisClient } from './connect.ts';
import type { Notifier } from './notifier.ts';
import type { StreamKeys } from './redis-keys.ts';
import type { Scripts } from './scripts.ts';

export const DEFAULT_SETTINGS = {
  keyPrefix: 'spool:',
  retentionMs: 24 * 3_600_000,
  tombstoneMs: 7 * 24 * 3_600_000,
  maxAgeMs: 7 * 24 * 3_600_000,
  maxStreamItems: 1_000_000,
  maxEntryItems: 64,
  pollIntervalMs: 1_000,
  lingerMs: 10_000,
};

export type LogSettings = typeof DEFAULT_SETTINGS;

/** Items per read when the caller gives no limit. */
export const DEFAULT_READ_LIMIT = 1_000;

export interface LogContext {
  /** Command connection: all reads and scripts, pipelined. */
  redis: RedisClient;
  scripts: Scripts;
  /** The shared pub/sub connection's listeners. */
  notifier: Notifier;
  settings: LogSettings;
  keys(streamId: string): StreamKeys;
}

/**
 * Entries to fetch for at most `limit` items. Every entry holds at least one item, so `limit`
 * entries always hold `limit` items; 512 bounds the work of one script call.
 */
export function entriesFor(limit: number): number {
  return Math.max(1, Math.min(limit, 512));
}

export function assertOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new SpoolError('invalid_offset', `Offset ${offset} is not a non-negative integer.`);
  }
}
