/**
 * Every HTTP error answers SPEC section 3's body, `{ error: { code, message } }`, with the
 * status of the code's row in the error table (packages/protocol/src/errors.ts).
 *
 * Nothing internal reaches a client (issue 13): an `internal` error answers a generic message
 * with the request's id, and the details go to the log under that id; fastify's own errors
 * (bad JSON, wrong content type, an over-long path parameter, an unknown route) get Spool's
 * codes and messages of our own, never fastify's text, which echoes the input.
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

/** Fastify's own errors in Spool's codes, with our messages (theirs may echo the input). */
const FASTIFY_ERRORS: Record<string, () => SpoolError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new SpoolError('payload_too_large'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new SpoolError('invalid_request', 'Content-Length does not match the body.'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new SpoolError('invalid_request', 'Unsupported Content-Type: send application/json.'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () =>
    new SpoolError('invalid_request', 'The body is empty; send a JSON object.'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new SpoolError('invalid_request', 'The body is not JSON.'),
  FST_ERR_MAX_PARAM_LENGTH: () =>
    new SpoolError('invalid_stream_id', 'A path parameter is too long to be an id.'),
  FST_ERR_BAD_URL: () => new SpoolError('invalid_request', 'The URL is not valid.'),
};

function fromFastifyError(error: FastifyError): SpoolError | undefined {
  const known = FASTIFY_ERRORS[error.code];
  if (known) return known();
  if (error instanceof SyntaxError)
    return new SpoolError('invalid_request', 'The body is not JSON.');
  if (error.code === 'FST_ERR_CTP_INVALID_TYPE' || error.statusCode === 415) {
    return FASTIFY_ERRORS.FST_ERR_CTP_INVALID_MEDIA_TYPE?.();
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new SpoolError('invalid_request', `The request was refused (HTTP ${error.statusCode}).`);
  }
  return undefined;
}

/** The generic answer for an `internal` error: the request id finds its details in the log. */
function concealed(request: FastifyRequest): SpoolError {
  return new SpoolError(
    'internal',
    `Internal error. The gateway's log has the details under request id ${request.id}.`,
  );
}

/**
 * Answers `error` with its status; `body` shapes it (default: Spool's own body). The request id
 * goes with it here too: errors raised before routing (fastify's `frameworkErrors`) skip the
 * `onRequest` hook that sets it on every other answer.
 */
export function sendError(
  reply: FastifyReply,
  error: SpoolError,
  body: (error: SpoolError) => unknown = (spool) => spool.toJSON(),
): FastifyReply {
  reply.header('x-request-id', reply.request.id);
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
  return spool.code === 'internal' ? concealed(request) : spool;
}

export function installErrorHandlers(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((error: FastifyError, request, reply) =>
    sendError(reply, spoolErrorOf(error, request, metrics)),
  );
  // The path is not echoed: it may be 10 KB, or a script for whoever shows the message.
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new SpoolError('route_not_found', `No route for ${request.method} here.`)),
  );
}

/**
 * fastify's `frameworkErrors` (errors raised before routing: a bad URL, an over-long path
 * parameter), answered like any other error.
 */
export function frameworkErrorHandler(metrics: Metrics) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    sendError(reply, spoolErrorOf(error, request, metrics));
  };
}
