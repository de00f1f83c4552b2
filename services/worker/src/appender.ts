/**
 * Micro-batching of one generation's appends.
 *
 * Items are buffered and appended in batches: at most one append in flight per stream, a batch
 * flushed when it reaches `maxItems` or when its oldest item has waited `maxDelayMs`, whichever
 * comes first. The first item of a generation goes at once (time to first token). At high token
 * rates this makes one Redis round trip per batch, not per token; at low rates a token waits
 * at most `maxDelayMs`.
 *
 * Every append carries the attempt (fencing) and the offset where its batch starts, so a
 * retry after a lost reply is idempotent. `redis_unavailable` is retried with backoff until
 * `retryForMs`; any other failure (`stale_attempt`, `stream_ended`, …) is final and surfaces
 * from the next `push` or `close`.
 */
import { isSpoolError, type NewItem, SpoolError } from '@spool/protocol';
import { backoffDelay, sleep } from '@spool/runtime';
import type { TokenLog } from '@spool/token-log';

export interface AppenderOptions {
  log: Pick<TokenLog, 'append'>;
  streamId: string;
  attempt: number;
  /** Offset of the first item this appender will write (the stream's length at start). */
  at: number;
  maxItems: number;
  maxDelayMs: number;
  /** How long an append keeps being retried while Redis is unreachable. */
  retryForMs?: number;
  /** Called after each acknowledged append: its items, and how long its oldest item waited. */
  onAppended?: (batch: AppendedBatch) => void;
}

export interface AppendedBatch {
  items: number;
  /** From the push of the batch's oldest item to the append's acknowledgement. */
  waitedMs: number;
}

export class Appender {
  readonly #options: AppenderOptions;
  #buffer: NewItem[] = [];
  #bufferedSince = 0;
  #next: number;
  #inFlight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #failure: SpoolError | undefined;
  #appendedOnce = false;

  constructor(options: AppenderOptions) {
    this.#options = options;
    this.#next = options.at;
  }

  /** Offset after the last item stored so far. */
  get length(): number {
    return this.#next;
  }

  /** Items given to `push` and not yet stored. */
  get pending(): number {
    return this.#buffer.length;
  }

  /**
   * Buffers an item. Resolves at once unless the buffer is over `4 × maxItems` (Redis is
   * slower than the model): then it waits for the append in flight — backpressure to the model.
   */
  async push(item: NewItem): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#buffer.length === 0) this.#bufferedSince = performance.now();
    this.#buffer.push(item);
    this.#schedule();
    while (this.#buffer.length > 4 * this.#options.maxItems && this.#inFlight) {
      await this.#inFlight;
      if (this.#failure) throw this.#failure;
    }
  }

  /** Stores everything buffered; rejects with the append failure if there was one. */
  async close(): Promise<void> {
    this.#clearTimer();
    while (this.#inFlight || (this.#buffer.length > 0 && !this.#failure)) {
      if (!this.#inFlight) this.#flush();
      await this.#inFlight;
    }
    if (this.#failure) throw this.#failure;
  }

  /** Drops what is buffered and not yet sent (the generation was fenced or abandoned). */
  discard(): void {
    this.#clearTimer();
    this.#buffer = [];
  }

  #schedule(): void {
    if (this.#inFlight) return;
    const waited = performance.now() - this.#bufferedSince;
    if (
      !this.#appendedOnce ||
      this.#buffer.length >= this.#options.maxItems ||
      waited >= this.#options.maxDelayMs
    ) {
      this.#flush();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        if (!this.#inFlight && this.#buffer.length > 0) this.#flush();
      }, this.#options.maxDelayMs - waited);
    }
  }

  #flush(): void {
    this.#clearTimer();
    const items = this.#buffer.splice(0, this.#options.maxItems * 4);
    const oldest = this.#bufferedSince;
    this.#bufferedSince = performance.now();
    this.#appendedOnce = true;
    this.#inFlight = this.#appendWithRetry(items)
      .then(
        (length) => {
          this.#next = length;
          this.#options.onAppended?.({ items: items.length, waitedMs: performance.now() - oldest });
        },
        (error: unknown) => {
          this.#failure = isSpoolError(error)
            ? error
            : new SpoolError('internal', String(error), { cause: error });
          this.#buffer = [];
        },
      )
      .finally(() => {
        this.#inFlight = undefined;
        if (this.#buffer.length > 0 && !this.#failure) this.#schedule();
      });
  }

  async #appendWithRetry(items: NewItem[]): Promise<number> {
    const { log, streamId, attempt } = this.#options;
    const deadline = Date.now() + (this.#options.retryForMs ?? 30_000);
    for (let retry = 0; ; retry++) {
      try {
        const result = await log.append({ streamId, attempt, at: this.#next, items });
        return result.length;
      } catch (error) {
        if (!isSpoolError(error, 'redis_unavailable') || Date.now() > deadline) throw error;
        await sleep(backoffDelay(retry, { baseMs: 50, maxMs: 1_000 }));
      }
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
