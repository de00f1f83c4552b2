/**
 * Why a delivery stopped, told once for every transport: a client that left is nobody to tell;
 * anything else becomes the SpoolError the client is sent, counted and logged the same way
 * whether it reached the client over SSE or WebSocket.
 */
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
  const error = isSpoolError(reason)
    ? reason
    : new SpoolError('internal', undefined, { cause: reason });
  const { metrics, logger } = context;
  if (error.code === 'slow_consumer') metrics.slowConsumers.inc({ transport });
  if (error.code === 'redis_unavailable') metrics.redisErrors.inc();
  if (error.code === 'internal') {
    logger.error({ err: reason, stream: streamId, transport }, 'delivery failed');
  } else {
    // What a client caused (a bad frame, an unknown stream) is its business, not the operator's.
    const level = error.status >= 500 || error.code === 'slow_consumer' ? 'info' : 'debug';
    logger[level]({ stream: streamId, transport, code: error.code }, 'delivery closed');
  }
  return error;
}
