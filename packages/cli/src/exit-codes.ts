/**
 * Exit codes scripts can rely on: one per kind of outcome, and one for every error code of the
 * protocol's table (a new code does not compile until it has one). Documented in
 * packages/cli/README.md and, per error code, in the table of docs/protocol.md section 7 (a repo
 * test keeps them in step).
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
  /** Authentication or permission refused (`unauthorized`, `forbidden`). */
  denied: 6,
  /** Items the reader held were lost (`stream_reset`, `data_loss`): read the stream again. */
  dataLost: 7,
  /** Interrupted (Ctrl-C): the generation goes on; `spool tail` resumes it. */
  interrupted: 130,
} as const;

/** The exit code of a command that failed with each error code. */
export const EXIT_CODE_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_request: EXIT.notFound,
  invalid_stream_id: EXIT.notFound,
  invalid_subscription_id: EXIT.notFound,
  invalid_offset: EXIT.notFound,
  invalid_frame: EXIT.notFound,
  offset_out_of_range: EXIT.notFound,
  unauthorized: EXIT.denied,
  forbidden: EXIT.denied,
  route_not_found: EXIT.notFound,
  stream_not_found: EXIT.notFound,
  subscription_not_found: EXIT.notFound,
  idempotency_conflict: EXIT.notFound,
  stream_ended: EXIT.notFound,
  stale_attempt: EXIT.notFound,
  offset_conflict: EXIT.notFound,
  stream_exists: EXIT.notFound,
  subscription_exists: EXIT.notFound,
  not_subscribed: EXIT.notFound,
  already_subscribed: EXIT.notFound,
  stream_reset: EXIT.dataLost,
  stream_expired: EXIT.notFound,
  offset_expired: EXIT.notFound,
  payload_too_large: EXIT.notFound,
  stream_full: EXIT.notFound,
  too_many_subscriptions: EXIT.unavailable,
  quota_exceeded: EXIT.unavailable,
  over_capacity: EXIT.unavailable,
  slow_consumer: EXIT.unavailable,
  draining: EXIT.unavailable,
  redis_unavailable: EXIT.unavailable,
  data_loss: EXIT.dataLost,
  worker_lost: EXIT.generationFailed,
  generation_timeout: EXIT.generationFailed,
  upstream_error: EXIT.generationFailed,
  upstream_timeout: EXIT.generationFailed,
  unreachable: EXIT.unavailable,
  connection_lost: EXIT.unavailable,
  heartbeat_timeout: EXIT.unavailable,
  protocol_violation: EXIT.unavailable,
  internal: EXIT.unavailable,
};

/** The exit code for a failure with this error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODE_OF[code];
}
