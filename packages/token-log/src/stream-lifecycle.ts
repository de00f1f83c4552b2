/**
 * A stream's life outside its items: creation, metadata, the producer's claim, cancellation
 * and trimming. Each change is one script of lua/; see token-log.ts for the contract.
 */
import type { StreamStatus } from '@spool/protocol';
import { encodeEntryItems } from './entry-codec.ts';
import { mapRedisErrors } from './errors.ts';
import { assertOffset, type LogContext } from './log-context.ts';
import { readMeta } from './read-result.ts';
import type {
  ClaimResult,
  CreateStreamInput,
  CreateStreamResult,
  StreamMeta,
} from './token-log.ts';

/** The entry a queued stream is ended with when it is cancelled before any worker took it. */
const CANCELLED_END = encodeEntryItems([{ type: 'end', finish_reason: 'cancelled' }]);

export async function createStream(
  context: LogContext,
  input: CreateStreamInput,
): Promise<CreateStreamResult> {
  return context.scripts.run('createStream', context.keys(input.id), {
    streamId: input.id,
    requestHash: input.requestHash ?? '',
    maxAgeMs: context.settings.maxAgeMs,
    fields: input.fields ?? {},
  });
}

export async function streamMeta(context: LogContext, streamId: string): Promise<StreamMeta> {
  const key = context.keys(streamId).meta;
  const hash = await mapRedisErrors(() => context.redis.hgetall(key));
  return readMeta(streamId, hash);
}

export async function claimAttempt(
  context: LogContext,
  streamId: string,
  attempt: number,
): Promise<ClaimResult> {
  return context.scripts.run('claimAttempt', context.keys(streamId), { attempt });
}

export async function cancelStream(context: LogContext, streamId: string): Promise<StreamStatus> {
  const { retentionMs, tombstoneMs } = context.settings;
  return context.scripts.run('cancelStream', context.keys(streamId), {
    retentionMs,
    tombstoneMs,
    cancelledEnd: CANCELLED_END,
  });
}

/** See TokenLog.watchCancel: `onCancel` runs at most once, for a cancel before or after the call. */
export async function watchCancel(
  context: LogContext,
  streamId: string,
  onCancel: () => void,
): Promise<() => Promise<void>> {
  const keys = context.keys(streamId);
  let fired = false;
  const fire = () => {
    if (!fired) {
      fired = true;
      onCancel();
    }
  };
  const stop = await context.notifier.listen(keys.control, (message) => {
    if (message === 'cancel') fire();
  });
  // A cancel published before the subscription took effect is still in the flag.
  const flag = await mapRedisErrors(() => context.redis.hget(keys.meta, 'cancel'));
  if (flag === '1') fire();
  return async () => stop();
}

export async function trimStream(
  context: LogContext,
  streamId: string,
  before: number,
): Promise<number> {
  assertOffset(before);
  return context.scripts.run('trimStream', context.keys(streamId), { before });
}
