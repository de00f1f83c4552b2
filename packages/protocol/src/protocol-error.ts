/**
 * The error value every decoder and input parser of this package returns instead of throwing.
 *
 * Decoders never throw on bad input (SPEC section 2, guarantee 6): they answer a
 * `ProtocolError` with a code from `ERROR_CODES` and a human message that names the field
 * that is wrong, so a gateway can reply with an error frame or status and keep serving.
 *
 * This module has no zod: the SDK's decoders use it. The zod helpers (`validate`,
 * `errorFromIssues`) live in `validate.ts`.
 */
import type { ErrorCode } from './errors.ts';

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** The stream the bad input named, when it named a valid one, so the error can be attributed. */
  stream?: string;
}

/** A protocol error as a decoded message: what a server sends for an error that is no item. */
export interface ProtocolErrorMessage {
  kind: 'error';
  error: ProtocolError;
}

/** What the parsers of this package return: a value, or the reason there is none. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

export function protocolError(code: ErrorCode, message: string, stream?: string): ProtocolError {
  return stream === undefined ? { code, message } : { code, message, stream };
}

/** How a decoder names and codes what is wrong with its input. */
export interface FieldErrorOptions {
  /** The code for a wrong field that FIELD_CODES does not name (`invalid_frame`, `invalid_request`). */
  code: ErrorCode;
  /** Names the whole input in messages ("body", "frame", "query"). */
  subject: string;
  stream?: string | undefined;
}

/**
 * Which code a wrong field earns, by the name of the field at the top of its path.
 * Fields not listed here earn the caller's default code (`invalid_frame`, `invalid_request`).
 */
const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  from: 'invalid_offset',
  to: 'invalid_offset',
  offset: 'invalid_offset',
  epoch: 'invalid_offset',
  stream: 'invalid_stream_id',
  subscription: 'invalid_subscription_id',
};

/** The error for the field at `path`: `path: message`, with the code the field earns. */
export function fieldError(
  path: readonly PropertyKey[],
  message: string,
  options: FieldErrorOptions,
): ProtocolError {
  const head = path[0];
  const code =
    (typeof head === 'string' && Object.hasOwn(FIELD_CODES, head)
      ? FIELD_CODES[head]
      : undefined) ?? options.code;
  return protocolError(code, `${formatPath(path, options.subject)}: ${message}`, options.stream);
}

/**
 * `['chunking', 'maxItems']` → `chunking.maxItems`; `['messages', 2, 'role']` →
 * `messages[2].role`; a path that is empty or starts with an index is prefixed with `subject`.
 */
export function formatPath(path: readonly PropertyKey[], subject: string): string {
  let text = typeof path[0] === 'string' ? '' : subject;
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}
