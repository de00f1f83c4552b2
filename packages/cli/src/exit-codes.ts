/**
 * Exit codes scripts can rely on. Documented in packages/cli/README.md.
 */
import type { ErrorCode } from '@spool/protocol';

export const EXIT = {
  /** The stream ended normally (`stop`, `length`, `tool_calls`). */
  ok: 0,
  /** The generation failed: the stream ended with an `error` item (`finish_reason: error`). */
  generationFailed: 1,
  /** Bad command line. */
  usage: 2,
  /** The stream or offset does not exist or is no longer retained, or the request was refused. */
  notFound: 3,
  /** No gateway could be reached, or the connection kept failing. */
  unavailable: 4,
  /** The stream ended `cancelled`. */
  cancelled: 5,
  /** Interrupted (Ctrl-C): the generation goes on; `spool tail` resumes it. */
  interrupted: 130,
} as const;

const NOT_FOUND: ReadonlySet<ErrorCode> = new Set([
  'stream_not_found',
  'stream_expired',
  'offset_expired',
  'offset_out_of_range',
  'subscription_not_found',
  'invalid_request',
  'invalid_stream_id',
  'invalid_offset',
  'invalid_subscription_id',
  'idempotency_conflict',
  'payload_too_large',
  'unauthorized',
  'forbidden',
]);

/** The exit code for a failure with this error code. */
export function exitCodeFor(code: ErrorCode): number {
  return NOT_FOUND.has(code) ? EXIT.notFound : EXIT.unavailable;
}
