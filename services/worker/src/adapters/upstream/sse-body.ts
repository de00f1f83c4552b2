/**
 * An upstream's SSE body as the `data` of its events, under a byte timeout.
 *
 * The timeout counts bytes, not events: an SSE comment (`: keepalive`) resets it, so an
 * upstream that is alive but thinking is not cut. Whether it produces content in time is the
 * worker's idle watchdog, not this.
 */
import { withTimeout } from '@spool/runtime';
import { createParser } from 'eventsource-parser';
import { brokenStreamError, byteTimeoutError } from './upstream-errors.ts';

export interface SseDataOptions {
  /** No byte at all for this long → `AdapterError('upstream_timeout')`. */
  byteTimeoutMs: number;
  /** Aborting stops the wait at once; the iteration throws the signal's reason. */
  signal: AbortSignal;
}

/**
 * Yields each event's `data`, in order, until the body ends. Throws `upstream_timeout` after
 * `byteTimeoutMs` without a byte, `upstream_error` when the connection breaks, and the
 * signal's reason on abort. The reader is cancelled on every exit, early ones included.
 */
export async function* sseData(
  body: ReadableStream<Uint8Array>,
  options: SseDataOptions,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: string[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event.data) });
  try {
    for (;;) {
      const { done, value } = await readWithin(reader, options);
      parser.feed(done ? decoder.decode() : decoder.decode(value, { stream: true }));
      yield* pending.splice(0);
      if (done) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>>;

/**
 * One read, raced against the byte timeout and the signal. A read cut short stays pending: the
 * reader is cancelled when the iteration ends.
 */
function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { byteTimeoutMs, signal }: SseDataOptions,
): Promise<ReadResult> {
  return withTimeout(
    () =>
      reader.read().catch((error: unknown) => {
        throw signal.aborted ? signal.reason : brokenStreamError(error);
      }),
    { timeoutMs: byteTimeoutMs, onTimeout: () => byteTimeoutError(byteTimeoutMs), signal },
  );
}
