/**
 * An upstream's SSE body as the `data` of its events, under a byte timeout.
 *
 * The timeout counts bytes, not events: an SSE comment (`: keepalive`) resets it, so an
 * upstream that is alive but thinking is not cut. Whether it produces content in time is the
 * worker's idle watchdog, not this.
 */
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

/** One read, raced against the byte timeout and the signal. */
function readWithin(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  { byteTimeoutMs, signal }: SseDataOptions,
): Promise<ReadResult> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      settle();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      settle();
      reject(byteTimeoutError(byteTimeoutMs));
    }, byteTimeoutMs);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    reader.read().then(
      (result) => {
        settle();
        resolve(result);
      },
      (error: unknown) => {
        settle();
        reject(signal.aborted ? signal.reason : brokenStreamError(error));
      },
    );
  });
}
