/**
 * Where a delivery starts, checked before anything is sent (so a refusal is an ordinary error):
 * an offset (probed with one read: unknown stream, expired, trimmed or beyond the end all fail
 * here, and the epoch of the client's items is checked: `stream_reset` when the log may have
 * been rewritten under them), or a durable subscription this gateway takes over from whichever
 * consumer had it. Shared by SSE and WebSocket.
 */
import { FINAL_STATUSES, isSpoolError, resumeVerdict, SpoolError } from '@spool/protocol';
import type { ReadResult, TokenLog } from '@spool/token-log';
import type { GatewayContext } from '../context.ts';
import { epochGuard, type ItemSource, offsetSource, subscriptionSource } from './item-source.ts';

/**
 * What a client asked for: an offset (and the epoch of the items it holds below it, when its
 * resume id has one), or a subscription (and what it says it already has).
 */
export type ResumeRequest =
  | { kind: 'offset'; from: number; epoch?: string | undefined }
  | { kind: 'subscription'; subscription: string; lastEventId: number | undefined };

export interface DeliveryStart {
  from: number;
  source: ItemSource;
  /** The stream's epoch: resume ids carry it; the delivery stops if it changes. */
  epoch: string;
  /** The stream has ended and the client has all of it. */
  complete: boolean;
  /** Not a first read from offset 0: a resume by offset or a subscription (counted). */
  resumed: boolean;
  /** For subscriptions: acks (through any gateway) reopen the window. */
  watchAcks?: (onAck: (offset: number) => void) => Promise<() => Promise<void>>;
}

export async function deliveryStart(
  context: Pick<GatewayContext, 'log' | 'config'>,
  streamId: string,
  resume: ResumeRequest,
): Promise<DeliveryStart> {
  const { log } = context;
  if (resume.kind === 'offset') {
    const probe = await probeOffset(log, streamId, resume);
    return {
      from: resume.from,
      source: epochGuard(offsetSource(log, streamId), probe.epoch),
      epoch: probe.epoch,
      // `done` says the stream ends within what was read: complete only if nothing was left.
      complete: probe.done && probe.items.length === 0,
      resumed: resume.from > 0,
    };
  }
  const consumer = `${context.config.gatewayId}:${Math.random().toString(36).slice(2, 10)}`;
  const taken = await log.takeOver(streamId, resume.subscription, consumer);
  const from = Math.max(taken.acked, resume.lastEventId ?? taken.acked);
  if (from > taken.length) {
    throw new SpoolError(
      'offset_out_of_range',
      `Offset ${from} is beyond the end (${taken.length}).`,
    );
  }
  const { epoch } = await log.meta(streamId);
  const ended = FINAL_STATUSES.has(taken.status);
  return {
    from,
    source: epochGuard(
      subscriptionSource({
        log,
        streamId,
        subscription: resume.subscription,
        consumer,
        delivered: taken.delivered,
      }),
      epoch,
    ),
    epoch,
    complete: ended && from === taken.length,
    resumed: true,
    watchAcks: (onAck) => log.watchAcks(streamId, resume.subscription, onAck),
  };
}

/**
 * One read at the resume point, and the check of the client's epoch: when it is not the
 * stream's (or the id has none), the stream's epoch history says whether what the client holds
 * below `from` is still the log's (protocol's `resumeVerdict`). A resume id with an epoch beyond
 * the end is an id this system gave out for items Redis has since lost: `stream_reset`.
 */
async function probeOffset(
  log: TokenLog,
  streamId: string,
  resume: { from: number; epoch?: string | undefined },
): Promise<ReadResult> {
  let probe: ReadResult;
  try {
    probe = await log.read(streamId, resume.from, 1);
  } catch (error) {
    if (isSpoolError(error, 'offset_out_of_range') && resume.epoch !== undefined) {
      throw streamReset(streamId);
    }
    throw error;
  }
  if (resume.from === 0 || (resume.epoch ?? '') === probe.epoch) return probe;
  const meta = await log.meta(streamId);
  const verdict = resumeVerdict({
    resume: { offset: resume.from, epoch: resume.epoch },
    epochs: meta.epochs,
    length: meta.length,
  });
  if (verdict === 'reset') throw streamReset(streamId);
  return probe;
}

function streamReset(streamId: string): SpoolError {
  return new SpoolError(
    'stream_reset',
    `Stream ${streamId} was rewritten after a Redis failure: the items you hold may differ from its log. Read it again from offset 0.`,
  );
}
