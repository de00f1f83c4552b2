/**
 * Where a delivery's items come from: an offset (the shared tail) or a durable subscription
 * (a Redis consumer group). Both answer "the items from `cursor` on, at most `limit`, waiting
 * until there is at least one or the stream has ended".
 */
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
  return {
    async next(cursor, limit, signal) {
      if (cursor < delivered)
        return log.read(streamId, cursor, Math.min(limit, delivered - cursor));
      for (;;) {
        const woken = await log.follow(streamId, cursor, { limit: 1, signal });
        if (woken.done) return woken;
        const read = await log.readSubscription({ streamId, subscription, consumer, limit });
        const start = read.items.findIndex((item) => item.offset >= cursor);
        if (start >= 0) {
          return {
            ...read,
            items: read.items.slice(start),
            appendedAt: read.appendedAt.slice(start),
          };
        }
      }
    },
  };
}
