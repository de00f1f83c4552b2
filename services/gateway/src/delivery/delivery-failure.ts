/**
 * Why a delivery stopped, told once for every transport: a client that left is nobody to tell;
 * anything else becomes the SpoolError the client is sent, counted and logged the same way
 * whether it reached the client over SSE or WebSocket.
 */
import { randomBytes } from 'node:crypto';
import { isSpoolError, SpoolError } from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import type { Transport } from '../metrics.ts';

/** The client left (its response or socket closed, or it unsubscribed): nothing to tell it. */
export class ClientGone extends Error {
  constructor(message = 'The client closed the connection.') {
    super(message);
  }
}

/**
 * Counts and logs why a delivery (or a request on a WebSocket) failed; the error to tell the
 * client, or undefined when the client is gone.
 */
export function reportFailure(
  context: Pick<GatewayContext, 'metrics' | 'logger'>,
  failure: { transport: Transport; reason: unknown; streamId: string | undefined },
): SpoolError | undefined {
  const { transport, reason, streamId } = failure;
  if (reason instanceof ClientGone) return undefined;
  const { metrics, logger } = context;
  if (!isSpoolError(reason) || reason.code === 'internal') {
    // Nothing internal reaches the client: it gets an id to quote, the log gets the details.
    const incident = randomBytes(8).toString('hex');
    logger.error({ err: reason, stream: streamId, transport, incident }, 'delivery failed');
    return new SpoolError(
      'internal',
      `Internal error. The gateway's log has the details under incident ${incident}.`,
    );
  }
  const error = reason;
  if (error.code === 'slow_consumer') metrics.slowConsumers.inc({ transport });
  if (error.code === 'redis_unavailable') metrics.redisErrors.inc();
  // What a client caused (a bad frame, an unknown stream) is its business, not the operator's.
  const level = error.status >= 500 || error.code === 'slow_consumer' ? 'info' : 'debug';
  logger[level]({ stream: streamId, transport, code: error.code }, 'delivery closed');
  return error;
}
