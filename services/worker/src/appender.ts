/**
 * The appends of one generation: batches that follow the model's rate, with no timer.
 *
 * At most one append of a stream is in flight. An item pushed while none is goes out at once,
 * alone: a slow model's tokens (and every stream's first) wait for nothing. Items pushed while
 * one is in flight accumulate and go out together, up to `maxItems`, the moment it returns: a
 * fast model's batches grow with the append's round trip, so Redis sees one call per round trip
 * rather than one per token, and the batches grow by themselves when Redis or this process is
 * loaded. A full buffer (`4 × maxItems` unsent) holds the model back: `push` waits.
 *
 * Why not send the next batch before the previous one returned (offsets would allow it): it
 * would halve the batches under load, when calls cost most, to save an item at most one round
 * trip; and a retry would have to replay the batches behind a failed one in order. See
 * docs/decisions/2026-11-30-appends-follow-the-model.md for the measurements.
 *
 * Every append carries the attempt (fencing) and the offset where its batch starts, so a
 * retry after a lost reply is idempotent. `redis_unavailable` is retried with backoff until
 * `retryForMs`; any other failure (`stale_attempt`, `stream_ended`, …) is final and surfaces
 * from the next `push` or `close`.
 */
import { isSpoolError, type NewItem, SpoolError } from '@spool/protocol';
import type { TokenLog } from '@spool/token-log';
import { retryWhileUnavailable } from './redis-retry.ts';

export interface AppenderOptions {
  log: Pick<TokenLog, 'append'>;
  streamId: string;
  attempt: number;
  /** Offset of the first item this appender will write (the stream's length at start). */
  at: number;
  /** Most items in one append; four times as many may wait before `push` holds back. */
  maxItems: number;
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
  /** `performance.now()` at each buffered item's push. */
  #pushedAt: number[] = [];
  #next: number;
  #inFlight: Promise<void> | undefined;
  #failure: SpoolError | undefined;

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
   * Takes an item: sent at once when no append is in flight, else with the next batch.
   * Resolves at once unless `4 × maxItems` items wait (Redis is slower than the model): then
   * it waits for the append in flight — backpressure to the model.
   */
  async push(item: NewItem): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#buffer.push(item);
    this.#pushedAt.push(performance.now());
    if (!this.#inFlight) this.#send();
    while (this.#buffer.length > 4 * this.#options.maxItems && this.#inFlight) {
      await this.#inFlight;
      if (this.#failure) throw this.#failure;
    }
  }

  /** Stores everything buffered; rejects with the append failure if there was one. */
  async close(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
    if (this.#failure) throw this.#failure;
  }

  /** Drops what is buffered and not yet sent (the generation was fenced or abandoned). */
  discard(): void {
    this.#buffer = [];
    this.#pushedAt = [];
  }

  /** Sends up to `maxItems` buffered items; when they are stored, the next batch goes. */
  #send(): void {
    const items = this.#buffer.splice(0, this.#options.maxItems);
    const oldest = this.#pushedAt.splice(0, items.length)[0] ?? performance.now();
    this.#inFlight = this.#appendWithRetry(items).then(
      (length) => {
        this.#next = length;
        this.#options.onAppended?.({ items: items.length, waitedMs: performance.now() - oldest });
        if (this.#buffer.length > 0) this.#send();
        else this.#inFlight = undefined;
      },
      (error: unknown) => {
        this.#failure = isSpoolError(error)
          ? error
          : new SpoolError('internal', String(error), { cause: error });
        this.discard();
        this.#inFlight = undefined;
      },
    );
  }

  async #appendWithRetry(items: NewItem[]): Promise<number> {
    const { log, streamId, attempt } = this.#options;
    const result = await retryWhileUnavailable(
      () => log.append({ streamId, attempt, at: this.#next, items }),
      this.#options.retryForMs,
    );
    return result.length;
  }
}
