/**
 * Every HTTP error answers SPEC section 3's body, `{ error: { code, message } }`, with the
 * status of the code's row in the error table (packages/protocol/src/errors.ts).
 */
import { isSpoolError, type ProtocolError, type Result, SpoolError } from '@spool/protocol';
import { toSpoolError } from '@spool/token-log';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** Answers `error` with its status; `body` shapes it (default: Spool's own body). */
export function sendError(
  reply: FastifyReply,
  error: SpoolError,
  body: (error: SpoolError) => unknown = (spool) => spool.toJSON(),
): FastifyReply {
  if (error.code === 'over_capacity' || error.code === 'draining') reply.header('Retry-After', '1');
  return reply.code(error.status).send(body(error));
}

/**
 * An error a handler threw, in Spool's codes: counted when Redis failed, logged when it is the
 * server's fault. Routes that answer another API's error shape use it with `sendError`.
 */
export function spoolErrorOf(
  error: FastifyError,
  request: FastifyRequest,
  metrics: Metrics,
): SpoolError {
  const spool = isSpoolError(error) ? error : (fromFastifyError(error) ?? toSpoolError(error));
  if (spool.code === 'redis_unavailable') metrics.redisErrors.inc();
  if (spool.status >= 500) request.log.error({ err: error }, 'request failed');
  return spool;
}

export function installErrorHandlers(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) =>
    sendError(reply, spoolErrorOf(error, request, metrics)),
  );
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new SpoolError('route_not_found', `No route ${request.method} ${request.url}`),
    ),
  );
}
