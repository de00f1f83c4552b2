/**
 * Where a delivery's items come from: an offset (the shared tail) or a durable subscription
 * (a Redis consumer group). Both answer "the items from `cursor` on, at most `limit`, waiting
 * until there is at least one or the stream has ended".
 */
import { isSpoolError, SpoolError } from '@spool/protocol';
import type { ReadResult, TokenLog } from '@spool/token-log';

export interface ItemSource {
  next(cursor: number, limit: number, signal: AbortSignal): Promise<ReadResult>;
}

export function offsetSource(log: TokenLog, streamId: string): ItemSource {
  return { next: (cursor, limit, signal) => log.follow(streamId, cursor, { limit, signal }) };
}

/**
 * A subscription taken over by this gateway: first what was delivered but not acknowledged
 * (`[cursor, delivered)`, read by offset), then new entries through XREADGROUP, so the group
 * records what this consumer was sent. The shared tail only wakes it up.
 */
export function subscriptionSource(input: {
  log: TokenLog;
  streamId: string;
  subscription: string;
  consumer: string;
  delivered: number;
}): ItemSource {
  const { log, streamId, subscription, consumer, delivered } = input;
  // A group read returns whole entries (up to 64 items each): what exceeds the caller's limit (at
  // most one entry's items) is kept here for the next call — it is already recorded as delivered
  // to this consumer.
  let carried: ReadResult | undefined;
  return {
    async next(cursor, limit, signal) {
      if (cursor < delivered)
        return log.read(streamId, cursor, Math.min(limit, delivered - cursor));
      for (;;) {
        const read = carried ?? (await readGroup(cursor, limit, signal));
        if (read.done && read.items.length === 0) return read;
        const start = read.items.findIndex((item) => item.offset >= cursor);
        if (start < 0) {
          carried = undefined;
          continue;
        }
        const end = start + limit;
        carried =
          end < read.items.length
            ? { ...read, items: read.items.slice(end), appendedAt: read.appendedAt.slice(end) }
            : undefined;
        const items = read.items.slice(start, end);
        return {
          ...read,
          items,
          appendedAt: read.appendedAt.slice(start, end),
          next: (items.at(-1)?.offset ?? cursor - 1) + 1,
          done: read.done && !carried,
        };
      }
    },
  };

  /** Waits for items at `cursor` (the shared tail wakes it), then reads new entries of the group. */
  async function readGroup(
    cursor: number,
    limit: number,
    signal: AbortSignal,
  ): Promise<ReadResult> {
    const woken = await log.follow(streamId, cursor, { limit: 1, signal });
    if (woken.done) return woken;
    const read = await log.readSubscription({ streamId, subscription, consumer, limit });
    // Another consumer of the same subscription took these entries: read them by offset.
    return read.items.length > 0 ? read : log.read(streamId, cursor, limit);
  }
}

/**
 * A source that stops the delivery when the stream's log is no longer the version the delivery
 * started in: its epoch changed (Redis restarted or failed over, and wrote again), or it is now
 * shorter than what was read (Redis lost acknowledged items). Either way the client may only go
 * on after the resume check of delivery-start.ts: it gets a retryable error, reconnects with its
 * resume id, and goes on where it was or gets `stream_reset`.
 */
export function epochGuard(source: ItemSource, epoch: string): ItemSource {
  // Made once per delivery, not per wait: a wait adds one promise to the source's.
  const checked = (result: ReadResult): ReadResult => {
    if (result.epoch !== epoch) throw logChanged(`moved to epoch ${result.epoch}`);
    return result;
  };
  const failed = (error: unknown): never => {
    if (isSpoolError(error, 'offset_out_of_range')) throw logChanged('is shorter than was read');
    throw error;
  };
  return {
    next: (cursor, limit, signal) => source.next(cursor, limit, signal).then(checked, failed),
  };
}

function logChanged(how: string): SpoolError {
  return new SpoolError(
    'redis_unavailable',
    `The stream's log ${how} (Redis restarted or failed over): resume with your last id.`,
  );
}
