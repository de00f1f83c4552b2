/**
 * The delivery engine: one stream to one connection, transport-agnostic (SSE now, WebSocket
 * next).
 *
 * Credit-based flow control. The session pulls items only while BOTH hold:
 * - the window is open: fewer than `window` items sent and not acknowledged;
 * - the transport can take more: its last write was accepted, or it has drained since.
 * So a stalled client costs O(window) memory here and its items wait in Redis. Without an ack
 * channel (plain SSE) the transport's drain is the acknowledgement.
 *
 * A client that takes nothing (no ack, no drain) for `stallTimeoutMs`, or whose transport
 * buffers more than `maxBufferedBytes`, is closed with `slow_consumer`: resumable, it loses
 * nothing and reconnects from its last offset.
 */
import { type Chunk, chunkEnd, chunkSize, type Item, SpoolError } from '@spool/protocol';
import { withTimeout } from '@spool/runtime';
import type { ReadResult } from '@spool/token-log';
import { type ChunkingPolicy, planChunks, shouldWaitForMore } from './chunking-policy.ts';
import type { ItemSource } from './item-source.ts';

export interface DeliverySink {
  /**
   * Sends one chunk; false when the transport's buffer is full (wait for `drained`). The
   * transport may join it with the chunk before it when both go out at once, up to `joinUpTo`
   * items (the delivery's chunking limit).
   */
  send(chunk: Chunk, joinUpTo: number): boolean;
  /** Resolves once the transport can take more. */
  drained(signal: AbortSignal): Promise<void>;
  /** Bytes queued in the transport, not yet taken by the kernel. */
  bufferedBytes(): number;
}

export interface DeliveryObserver {
  /** A chunk was written; `appendedAt` is when its last item was appended (ms epoch). */
  sent?(chunk: Chunk, appendedAt: number): void;
  /** The session waits for an ack or a drain. */
  stalled?(): void;
  /** Items are here to write; `appendedAt` is when the first of them was appended (ms epoch). */
  received?(appendedAt: number): void;
}

export interface DeliveryOptions {
  source: ItemSource;
  sink: DeliverySink;
  from: number;
  window: number;
  chunking: ChunkingPolicy;
  /** Plain SSE: what the transport accepted counts as acknowledged. */
  autoAck: boolean;
  stallTimeoutMs: number;
  maxBufferedBytes: number;
  signal: AbortSignal;
  observer?: DeliveryObserver;
}

export class DeliverySession {
  readonly #options: DeliveryOptions;
  #cursor: number;
  #acked: number;
  #ackWaiter: (() => void) | undefined;
  #first = true;

  constructor(options: DeliveryOptions) {
    this.#options = options;
    this.#cursor = options.from;
    this.#acked = options.from;
  }

  /** Offset after the last item sent. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Everything below `offset` is processed: reopens the window. Older acks are ignored. */
  ack(offset: number): void {
    if (offset <= this.#acked) return;
    this.#acked = Math.min(offset, this.#cursor);
    this.#ackWaiter?.();
  }

  /** Delivers until the stream's `end` has been sent; rejects with why it stopped otherwise. */
  async run(): Promise<void> {
    const { signal } = this.#options;
    for (;;) {
      signal.throwIfAborted();
      const open = this.#options.window - (this.#cursor - this.#acked);
      if (open <= 0) {
        await this.#waitForAck();
        continue;
      }
      const result = await this.#gather(open);
      const writable = this.#write(result);
      if (result.done) return;
      if (this.#options.sink.bufferedBytes() > this.#options.maxBufferedBytes) {
        throw slowConsumer('its send buffer is over its cap');
      }
      if (!writable) await this.#waitForDrain();
    }
  }

  /** Reads what is there (waiting for at least one item), holding back per the chunking policy. */
  async #gather(limit: number): Promise<ReadResult> {
    const { source, chunking, signal } = this.#options;
    let result = await source.next(this.#cursor, limit, signal);
    const started = Date.now();
    const first = result.appendedAt[0];
    if (first !== undefined) this.#options.observer?.received?.(first);
    while (
      shouldWaitForMore({
        policy: chunking,
        first: this.#first,
        pending: result.items.length,
        ended: result.done,
        oldestWaitedMs: Date.now() - started,
      }) &&
      result.items.length < limit
    ) {
      const wait = AbortSignal.any([
        signal,
        AbortSignal.timeout(chunking.maxDelayMs - (Date.now() - started)),
      ]);
      const more = await source
        .next(result.next, limit - result.items.length, wait)
        .catch(() => undefined);
      signal.throwIfAborted();
      if (!more) break;
      result = merge(result, more);
    }
    return result;
  }

  #write(result: ReadResult): boolean {
    const { sink, chunking, observer, autoAck } = this.#options;
    let writable = true;
    let index = 0;
    for (const chunk of planChunks(result.items, chunking, result.length - this.#cursor)) {
      writable = sink.send(chunk, chunking.maxItems) && writable;
      index += chunkSize(chunk);
      observer?.sent?.(chunk, result.appendedAt[index - 1] ?? Date.now());
      this.#cursor = chunkEnd(chunk);
      this.#first = false;
    }
    if (autoAck) this.#acked = this.#cursor;
    return writable;
  }

  #waitForAck(): Promise<void> {
    this.#options.observer?.stalled?.();
    return this.#stallGuard((resolve) => {
      this.#ackWaiter = resolve;
      return () => {
        this.#ackWaiter = undefined;
      };
    });
  }

  async #waitForDrain(): Promise<void> {
    const { sink, observer } = this.#options;
    observer?.stalled?.();
    const controller = new AbortController();
    await this.#stallGuard((resolve) => {
      sink.drained(controller.signal).then(resolve, resolve);
      return () => controller.abort();
    });
  }

  /** Waits for `arm`'s callback, failing with slow_consumer after the stall timeout. */
  #stallGuard(arm: (resolve: () => void) => () => void): Promise<void> {
    const { signal, stallTimeoutMs } = this.#options;
    return withTimeout(
      (stop) =>
        new Promise<void>((resolve) => {
          let disarm: (() => void) | undefined;
          let woken = false;
          disarm = arm(() => {
            woken = true;
            disarm?.();
            resolve();
          });
          if (woken) disarm();
          else stop.addEventListener('abort', disarm, { once: true });
        }),
      {
        timeoutMs: stallTimeoutMs,
        onTimeout: () => slowConsumer(`it took nothing for ${stallTimeoutMs} ms`),
        signal,
      },
    );
  }
}

function slowConsumer(why: string): SpoolError {
  return new SpoolError('slow_consumer', `Closed: ${why}. Resume from your last offset.`);
}

function merge(first: ReadResult, second: ReadResult): ReadResult {
  return {
    ...second,
    items: [...first.items, ...second.items] as Item[],
    appendedAt: [...first.appendedAt, ...second.appendedAt],
  };
}
