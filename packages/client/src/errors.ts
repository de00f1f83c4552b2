/**
 * How the SDK turns what it meets (HTTP answers, network failures, close codes, silence) into the
 * one error class of the protocol, `SpoolError`, with a code from its table. What happens below
 * HTTP has the client-side codes: `unreachable` (no connection, or no answer to it),
 * `connection_lost` (an open connection broke), `heartbeat_timeout` (it went silent),
 * `protocol_violation` (the gateway sent what the protocol does not allow). A code the SDK does
 * not know (a newer gateway's) becomes `internal`, keeping the original in `details.code`.
 */
import { type ErrorCode, isErrorCode, SpoolError } from '@spool/protocol';

/** What a bodyless HTTP error (a proxy's or load balancer's) means. */
const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  410: 'stream_expired',
  413: 'payload_too_large',
  429: 'over_capacity',
  // A proxy or load balancer answering for a gateway it could not reach.
  502: 'unreachable',
  503: 'unreachable',
  504: 'unreachable',
};

/** A SpoolError for a code received from a gateway. */
export function spoolError(
  code: unknown,
  message: string,
  details: Record<string, unknown> = {},
): SpoolError {
  if (isErrorCode(code)) return new SpoolError(code, message, { details });
  return new SpoolError('internal', message, { details: { ...details, code } });
}

/** The error of a non-2xx response: its `{ error: { code, message } }` body, else its status. */
export async function errorFromResponse(response: Response): Promise<SpoolError> {
  const body = await response.json().catch(() => undefined);
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const status = response.status;
  const message =
    typeof error?.message === 'string' ? error.message : `HTTP ${status} ${response.statusText}`;
  if (error !== undefined && typeof error.code === 'string') {
    return spoolError(error.code, message, { status });
  }
  return new SpoolError(STATUS_CODES[status] ?? 'internal', message, { details: { status } });
}

/** A connection or request that could not be made, or got no answer in time: try another gateway. */
export function unreachableError(cause: unknown): SpoolError {
  return new SpoolError('unreachable', `No answer: ${reasonOf(cause)}`, { cause });
}

/** An open connection (a response being read, an open socket) that broke. */
export function connectionLostError(cause: unknown): SpoolError {
  return new SpoolError('connection_lost', `The connection broke: ${reasonOf(cause)}`, { cause });
}

/** A connection that sent nothing within its liveness bound (liveness.ts in the protocol). */
export function silenceError(boundMs: number): SpoolError {
  return new SpoolError(
    'heartbeat_timeout',
    `No sign of life for ${boundMs} ms: the connection is treated as dead.`,
    { details: { boundMs } },
  );
}

/** The gateway sent what the protocol does not allow. */
export function violationError(message: string, cause?: unknown): SpoolError {
  return new SpoolError('protocol_violation', message, { cause });
}

/** Close code the SDK uses when the application cuts a socket (`drop()`). */
export const CLOSE_DROPPED = 4000;
/** Close code the SDK uses for a socket that went silent past its liveness bound. */
export const CLOSE_SILENT = 4001;

/**
 * What a WebSocket close means for the streams that were on the socket. The gateway names the
 * error in the close reason when it closes for one (e.g. `redis_unavailable` with 1011).
 */
export function closeError(code: number, opened = true, reason = ''): SpoolError {
  if (code === 1012) return new SpoolError('draining', 'The gateway is draining (close 1012).');
  if (code === 1008) {
    const named = reason === 'unauthorized' ? 'unauthorized' : 'forbidden';
    return new SpoolError(named, `The gateway refused the socket (1008 ${reason}).`);
  }
  if (code === CLOSE_SILENT) {
    return new SpoolError(
      'heartbeat_timeout',
      'The WebSocket went silent past its liveness bound.',
    );
  }
  if (isErrorCode(reason)) {
    return new SpoolError(reason, `The WebSocket closed (${code} ${reason}).`, {
      details: { close: code },
    });
  }
  const details = { details: { close: code } };
  return opened
    ? new SpoolError('connection_lost', `The WebSocket closed (${code}).`, details)
    : new SpoolError('unreachable', `The WebSocket could not open (${code}).`, details);
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** The error a stream fails with after `attempts` consecutive failures. */
export function exhaustedError(attempts: number, last: SpoolError): SpoolError {
  return new SpoolError(last.code, `Gave up after ${attempts} attempts: ${last.message}`, {
    cause: last,
    details: { attempts },
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
