/**
 * Where a delivery starts, checked before anything is sent (so a refusal is an ordinary error):
 * an offset (probed with one read: unknown stream, expired, trimmed or beyond the end all fail
 * here), or a durable subscription this gateway takes over from whichever consumer had it.
 * Shared by SSE and WebSocket.
 */
import { FINAL_STATUSES, SpoolError } from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import { type ItemSource, offsetSource, subscriptionSource } from './item-source.ts';

/** What a client asked for: an offset, or a subscription (and what it says it already has). */
export type ResumeRequest =
  | { kind: 'offset'; from: number }
  | { kind: 'subscription'; subscription: string; lastEventId: number | undefined };

export interface DeliveryStart {
  from: number;
  source: ItemSource;
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
    const probe = await log.read(streamId, resume.from, 1);
    return {
      from: resume.from,
      source: offsetSource(log, streamId),
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
  const ended = FINAL_STATUSES.has(taken.status);
  return {
    from,
    source: subscriptionSource({
      log,
      streamId,
      subscription: resume.subscription,
      consumer,
      delivered: taken.delivered,
    }),
    complete: ended && from === taken.length,
    resumed: true,
    watchAcks: (onAck) => log.watchAcks(streamId, resume.subscription, onAck),
  };
}
