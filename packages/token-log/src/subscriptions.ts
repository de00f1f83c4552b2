/**
 * Durable subscriptions: a consumer group on the stream's log plus its acknowledged and
 * delivered offsets (see create-subscription.lua). Every change is one script of lua/.
 */
import { SpoolError } from '@spool/protocol';
import { mapRedisErrors } from './errors.ts';
import { assertOffset, DEFAULT_READ_LIMIT, entriesFor, type LogContext } from './log-context.ts';
import { entriesToRead } from './read-result.ts';
import type {
  SubscriptionPosition,
  SubscriptionRead,
  TakeOverResult,
  TokenLog,
} from './token-log.ts';

export async function createSubscription(
  context: LogContext,
  input: { streamId: string; from: number; subscription: string },
): Promise<SubscriptionPosition> {
  const { streamId, from, subscription } = input;
  assertOffset(from);
  await context.scripts.run('createSubscription', context.keys(streamId), { subscription, from });
  return { subscription, acked: from, delivered: from };
}

export async function readSubscription(
  context: LogContext,
  input: Parameters<TokenLog['readSubscription']>[0],
): Promise<SubscriptionRead> {
  const limit = input.limit ?? DEFAULT_READ_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const reply = await context.scripts.run('readSubscription', context.keys(input.streamId), {
    subscription: input.subscription,
    consumer: input.consumer,
    items: limit,
    entryItems: context.settings.maxEntryItems,
    entries: entriesFor(limit),
  });
  const { acked, delivered, status, length, entries, epoch } = reply;
  // The group hands out whole entries: keep the items neither delivered nor acknowledged yet.
  const from = Math.max(acked, delivered);
  const result = entriesToRead({
    entries,
    from,
    limit: Number.MAX_SAFE_INTEGER,
    status,
    length,
    epoch,
  });
  return { ...result, acked };
}

export async function ackSubscription(
  context: LogContext,
  input: { streamId: string; subscription: string; offset: number },
): Promise<number> {
  const { streamId, subscription, offset } = input;
  assertOffset(offset);
  return context.scripts.run('ackSubscription', context.keys(streamId), { subscription, offset });
}

/** See TokenLog.watchAcks: every new acknowledged offset, published by ack-subscription.lua. */
export async function watchAcks(
  context: LogContext,
  input: { streamId: string; subscription: string; onAck: (offset: number) => void },
): Promise<() => Promise<void>> {
  const prefix = `${input.subscription} `;
  const stop = await context.notifier.listen(context.keys(input.streamId).acks, (message) => {
    if (message.startsWith(prefix)) input.onAck(Number(message.slice(prefix.length)));
  });
  return async () => stop();
}

/** Two fields of one hash, read with HMGET: nothing is written, so no script is needed. */
export async function subscriptionPosition(
  context: LogContext,
  streamId: string,
  subscription: string,
): Promise<SubscriptionPosition> {
  const keys = context.keys(streamId);
  const [acked, delivered] = await mapRedisErrors(() =>
    context.redis.hmget(keys.subscriptions, subscription, `${subscription}:d`),
  );
  if (acked == null) {
    const exists = await mapRedisErrors(() => context.redis.exists(keys.meta));
    throw new SpoolError(exists ? 'subscription_not_found' : 'stream_not_found');
  }
  return { subscription, acked: Number(acked), delivered: Number(delivered ?? acked) };
}

export async function takeOverSubscription(
  context: LogContext,
  input: { streamId: string; subscription: string; consumer: string },
): Promise<TakeOverResult> {
  const { streamId, subscription, consumer } = input;
  const reply = await context.scripts.run('takeOverSubscription', context.keys(streamId), {
    subscription,
    consumer,
  });
  return { subscription, ...reply };
}

export async function deleteSubscription(
  context: LogContext,
  streamId: string,
  subscription: string,
): Promise<boolean> {
  return context.scripts.run('deleteSubscription', context.keys(streamId), { subscription });
}
