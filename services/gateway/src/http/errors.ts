/**
 * Every HTTP error answers SPEC section 3's body, `{ error: { code, message } }`, with the
 * status of the code's row in the error table (packages/protocol/src/errors.ts).
 */
import { isSpoolError, type ProtocolError, type Result, SpoolError } from '@spool/protocol';
import { toSpoolError } from '@spool/token-log';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Metrics } from '../metrics.ts';

/** The value of a validation result, or a 400 with the protocol error's code and message. */
export function valueOrThrow<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw fromProtocolError(result.error);
}

export function fromProtocolError(error: ProtocolError): SpoolError {
  return new SpoolError(error.code, error.message);
}

/** Fastify's own errors (bad JSON, body too large, …) in Spool's codes. */
function fromFastifyError(error: FastifyError): SpoolError | undefined {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SpoolError('payload_too_large');
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new SpoolError('invalid_request', error.message);
  }
  return undefined;
}

export function sendError(reply: FastifyReply, error: SpoolError): FastifyReply {
  if (error.code === 'over_capacity' || error.code === 'draining') reply.header('Retry-After', '1');
  return reply.code(error.status).send(error.toJSON());
}

export function installErrorHandlers(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const spool = isSpoolError(error) ? error : (fromFastifyError(error) ?? toSpoolError(error));
    if (spool.code === 'redis_unavailable') metrics.redisErrors.inc();
    if (spool.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendError(reply, spool);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new SpoolError('route_not_found', `No route ${request.method} ${request.url}`),
    ),
  );
}
