/**
 * The error value every decoder and input parser of this package returns instead of throwing.
 *
 * Decoders never throw on bad input (SPEC section 2, guarantee 6): they answer a
 * `ProtocolError` with a code from `ERROR_CODES` and a human message that names the field
 * that is wrong, so a gateway can reply with an error frame or status and keep serving.
 */
import type { z } from 'zod';
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

/**
 * Which code a wrong field earns, by the name of the field at the top of the issue's path.
 * Fields not listed here earn the caller's default code (`invalid_frame`, `invalid_request`).
 */
const FIELD_CODES: Readonly<Record<string, ErrorCode>> = {
  from: 'invalid_offset',
  to: 'invalid_offset',
  offset: 'invalid_offset',
  stream: 'invalid_stream_id',
  subscription: 'invalid_subscription_id',
};

/** Turns the first zod issue into a ProtocolError whose message names the wrong field. */
export function errorFromIssues(
  issues: readonly z.core.$ZodIssue[],
  options: { code: ErrorCode; subject: string; stream?: string | undefined },
): ProtocolError {
  const first = issues[0];
  const issue = first === undefined ? undefined : closestUnionIssue(first);
  if (issue === undefined) {
    return protocolError(options.code, `${options.subject} is invalid`, options.stream);
  }
  const head = issue.path[0];
  const code =
    (typeof head === 'string' && Object.hasOwn(FIELD_CODES, head)
      ? FIELD_CODES[head]
      : undefined) ?? options.code;
  const field = formatPath(issue.path, options.subject);
  return protocolError(code, `${field}: ${issue.message}`, options.stream);
}

/**
 * For a union that failed, the issue of the option the input was evidently meant for (the
 * one that failed below its root, e.g. `{maxItems: 0}` for an object option), so the message
 * names `chunking.maxItems` rather than just "chunking: Invalid input".
 */
function closestUnionIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  for (const option of issue.errors) {
    const inner = option[0];
    if (inner !== undefined && inner.path.length > 0) {
      return { ...inner, path: [...issue.path, ...inner.path] };
    }
  }
  return issue;
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

/**
 * Validates `value` with `schema` and answers a Result instead of throwing.
 * `code` is the code for a wrong field that FIELD_CODES does not name; `subject` names the
 * whole input in messages ("body", "frame", "query").
 */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
  options: { code: ErrorCode; subject: string; stream?: string | undefined },
): Result<z.output<Schema>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: errorFromIssues(parsed.error.issues, options) };
}
