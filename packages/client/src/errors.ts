/**
 * How the SDK turns what it meets (HTTP answers, network failures, close codes) into the one
 * error class of the protocol, `SpoolError`, with a code from its table. A code the SDK does not
 * know (a newer gateway's) becomes `internal`, keeping the original in `details.code`.
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

/** A request or connection that failed below HTTP: retryable, and a reason to try another gateway. */
export function networkError(cause: unknown): SpoolError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new SpoolError('internal', `Network error: ${reason}`, {
    cause,
    details: { network: true },
  });
}

/** What a WebSocket close code means for the streams that were on the socket. */
export function closeError(code: number): SpoolError {
  if (code === 1012) return new SpoolError('draining', 'The gateway is draining (close 1012).');
  if (code === 1008) return new SpoolError('forbidden', 'The gateway refused the socket (1008).');
  return new SpoolError('internal', `The WebSocket closed (${code}).`, {
    details: { close: code, network: true },
  });
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
