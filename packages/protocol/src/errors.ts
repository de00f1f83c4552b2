/**
 * Every error code a Spool client can see, in one table (like fastify's lib/errors.js).
 *
 * `status` is the HTTP status; `close` the WebSocket close code when the error closes the
 * socket (otherwise it travels as an `error` frame); `retryable` tells a client whether the
 * same request may succeed later (centrifuge's "Temporary"). Codes are never reused.
 *
 * `client: true` marks the codes only a client produces (the SDK, about what it met on the
 * network): a gateway never sends them. Their `status` is the one a client that answers HTTP
 * itself (a backend relaying a stream) would use.
 * `docs/protocol.md` documents each one; a test keeps the two in step.
 */

export const ERROR_CODES = {
  invalid_request: { status: 400, retryable: false, message: 'The request is malformed.' },
  invalid_stream_id: { status: 400, retryable: false, message: 'Not a valid stream id.' },
  invalid_subscription_id: {
    status: 400,
    retryable: false,
    message: 'Not a valid subscription id.',
  },
  invalid_offset: {
    status: 400,
    retryable: false,
    message: 'An offset must be a non-negative integer.',
  },
  invalid_frame: { status: 400, retryable: false, message: 'The frame is not a valid frame.' },
  offset_out_of_range: {
    status: 400,
    retryable: false,
    message: 'The offset is beyond the end of the stream.',
  },
  unauthorized: { status: 401, close: 1008, retryable: false, message: 'Authentication required.' },
  forbidden: { status: 403, close: 1008, retryable: false, message: 'Not allowed.' },
  route_not_found: { status: 404, retryable: false, message: 'No such route.' },
  stream_not_found: { status: 404, retryable: false, message: 'No such stream.' },
  subscription_not_found: { status: 404, retryable: false, message: 'No such subscription.' },
  idempotency_conflict: {
    status: 409,
    retryable: false,
    message: 'This Idempotency-Key was used with a different request.',
  },
  stream_ended: { status: 409, retryable: false, message: 'The stream has already ended.' },
  stale_attempt: {
    status: 409,
    retryable: false,
    message: 'A newer generation attempt owns this stream.',
  },
  offset_conflict: {
    status: 409,
    retryable: false,
    message: 'The append does not start at the end of the stream.',
  },
  stream_exists: {
    status: 409,
    retryable: false,
    message: 'A stream with this id exists with other parameters.',
  },
  subscription_exists: {
    status: 409,
    retryable: false,
    message: 'A subscription with this id exists on the stream.',
  },
  not_subscribed: {
    status: 409,
    retryable: false,
    message: 'This socket is not subscribed to the stream.',
  },
  already_subscribed: {
    status: 409,
    retryable: false,
    message: 'This socket is already subscribed to the stream.',
  },
  stream_reset: {
    status: 409,
    retryable: false,
    message:
      'The stream was rewritten after a Redis failure: read it again from the start (offset 0).',
  },
  stream_expired: {
    status: 410,
    retryable: false,
    message: 'The stream is no longer retained.',
  },
  offset_expired: {
    status: 410,
    retryable: false,
    message: 'The items at this offset are no longer retained.',
  },
  payload_too_large: {
    status: 413,
    close: 1009,
    retryable: false,
    message: 'The request or frame is too large.',
  },
  stream_full: {
    status: 413,
    retryable: false,
    message: 'The stream has reached its length cap.',
  },
  too_many_subscriptions: {
    status: 429,
    retryable: true,
    message: 'Too many streams on this socket.',
  },
  quota_exceeded: {
    status: 429,
    retryable: true,
    message: 'This API key is over one of its quotas; retry after the time in Retry-After.',
  },
  over_capacity: {
    status: 429,
    retryable: true,
    message: 'The system is over its admission limits; retry later.',
  },
  slow_consumer: {
    status: 503,
    retryable: true,
    message: 'The client fell too far behind; resume from the last offset.',
  },
  draining: {
    status: 503,
    close: 1012,
    retryable: true,
    message: 'This gateway is shutting down; reconnect to another.',
  },
  redis_unavailable: {
    status: 503,
    retryable: true,
    message: 'The token log is unreachable; retry later.',
  },
  data_loss: {
    status: 500,
    retryable: false,
    message: 'Items under this offset were lost by the token log.',
  },
  worker_lost: {
    status: 500,
    retryable: false,
    message: 'The generation stopped: its worker was lost and could not be continued.',
  },
  generation_timeout: {
    status: 500,
    retryable: false,
    message: 'The generation produced nothing for too long.',
  },
  upstream_error: {
    status: 502,
    retryable: false,
    message: 'The model upstream failed.',
  },
  upstream_timeout: {
    status: 504,
    retryable: false,
    message: 'The model upstream sent nothing for too long.',
  },
  unreachable: {
    status: 503,
    client: true,
    retryable: true,
    message: 'No gateway answered: the connection could not be made or timed out.',
  },
  connection_lost: {
    status: 503,
    client: true,
    retryable: true,
    message: 'The connection broke before the stream ended.',
  },
  heartbeat_timeout: {
    status: 504,
    client: true,
    retryable: true,
    message: 'The connection sent no sign of life within its liveness bound.',
  },
  protocol_violation: {
    status: 502,
    client: true,
    retryable: true,
    message: 'The gateway sent what the protocol does not allow.',
  },
  internal: { status: 500, retryable: true, message: 'Internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export interface ErrorSpec {
  status: number;
  close?: number;
  /** Only clients produce it; no gateway sends it. */
  client?: boolean;
  retryable: boolean;
  message: string;
}

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CODES[code];
}

/** The one base error class: a code from the table, a human message, an optional cause. */
/** Every error answer over HTTP: the code's status from `ERROR_CODES`, and this body. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export class SpoolError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message ?? ERROR_CODES[code].message, { cause: options?.cause });
    this.name = 'SpoolError';
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /** The JSON body of SPEC section 3: `{ error: { code, message } }`. */
  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isSpoolError(value: unknown, code?: ErrorCode): value is SpoolError {
  return value instanceof SpoolError && (code === undefined || value.code === code);
}
