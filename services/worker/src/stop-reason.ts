/**
 * Why a generation stopped before its adapter finished, and the items that end it.
 *
 * The abort signal's reason says who stopped it (a cancel, the idle watchdog, the shutdown);
 * otherwise the error does (an adapter failure, or anything unexpected).
 */
import type { ErrorCode, NewItem } from '@spool/protocol';
import { AdapterError } from './adapters/model-adapter.ts';

export class StopReason {
  static readonly cancelled = new StopReason('cancelled', 'The generation was cancelled.');
  static readonly idle = new StopReason(
    'generation_timeout',
    'The model produced nothing for too long.',
  );
  static readonly handOff = new StopReason('draining', 'The worker is shutting down.');
  static readonly workerLost = new StopReason(
    'worker_lost',
    'The worker running this generation was lost, and the model cannot continue a partial answer.',
  );

  readonly code: ErrorCode | 'cancelled';
  readonly message: string;

  private constructor(code: ErrorCode | 'cancelled', message: string) {
    this.code = code;
    this.message = message;
  }
}

export function stopReasonOf(
  error: unknown,
  signal: AbortSignal,
): StopReason | AdapterError | Error {
  if (signal.aborted && signal.reason instanceof StopReason) return signal.reason;
  if (error instanceof AdapterError) return error;
  return error instanceof Error ? error : new Error(String(error));
}

/** `end` (cancelled), or `error` + `end` (error) for a failure. */
export function failureItems(
  reason: StopReason | AdapterError | Error,
  cause?: unknown,
): NewItem[] {
  if (reason === StopReason.cancelled) return [{ type: 'end', finish_reason: 'cancelled' }];
  const { code, message } = describe(reason, cause);
  return [
    { type: 'error', code, message },
    { type: 'end', finish_reason: 'error' },
  ];
}

function describe(
  reason: StopReason | AdapterError | Error,
  cause: unknown,
): { code: string; message: string } {
  if (reason instanceof StopReason) return { code: reason.code, message: reason.message };
  if (reason instanceof AdapterError) {
    if (reason.code === 'continuation_mismatch')
      return { code: 'worker_lost', message: reason.message };
    return { code: reason.code, message: reason.message };
  }
  const detail = cause instanceof Error ? cause.message : String(cause ?? reason.message);
  return { code: 'internal', message: `The generation failed: ${detail}` };
}
