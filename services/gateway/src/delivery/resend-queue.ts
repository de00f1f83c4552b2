/**
 * A connection's resends (SPEC section 5's `resend` frame, by range or by block), one at a time:
 * each reads a page from Redis and sends it within the connection's buffer before reading the
 * next, so a resend holds at most a page here whatever its size. A client that queues more than
 * `MAX_WAITING_RESENDS`, or does not read what it asked for, overflows the connection
 * (`slow_consumer`, through the multiplexer that owns it).
 */
import {
  type Chunk,
  chunkItems,
  type Item,
  MAX_RESEND_ITEMS,
  type ResendFrame,
  SpoolError,
} from '@spool/protocol';
import { withTimeout } from '@spool/runtime';
import type { GatewayContext } from '../context.ts';
import { readBlock } from '../streams/read-block.ts';

/**
 * Resends one connection may have waiting behind the one in flight; one more means its client
 * asks faster than it reads, and the connection is closed as `slow_consumer`.
 */
export const MAX_WAITING_RESENDS = 4;
/** Items a resend reads from Redis at a time (it sends them before reading more). */
const RESEND_PAGE_ITEMS = 500;

/** What a resend needs of the connection's sink (stream-multiplexer.ts `MultiplexSink`). */
export interface ResendSink {
  /** Sends a resent chunk; false when the connection's buffer is full. */
  resent(stream: string, chunk: Chunk): boolean;
  bufferedBytes(): number;
  drained(signal: AbortSignal): Promise<void>;
}

export interface ResendQueueOptions {
  context: GatewayContext;
  sink: ResendSink;
  /** Aborts when the connection closes. */
  signal: AbortSignal;
  /** Ends the connection as `slow_consumer`, saying why; returns the error. */
  overflow: (why: string) => SpoolError;
}

export class ResendQueue {
  readonly #options: ResendQueueOptions;
  /** The resend in flight and how many wait behind it. */
  #running: Promise<void> = Promise.resolve();
  #waiting = 0;

  constructor(options: ResendQueueOptions) {
    this.#options = options;
  }

  /** Runs `frame` after the resends before it; a client that queues more than a few is not reading. */
  async queue(frame: ResendFrame): Promise<void> {
    if (this.#waiting >= MAX_WAITING_RESENDS) {
      this.#options.overflow(`it asked for more than ${MAX_WAITING_RESENDS + 1} resends at once`);
      return;
    }
    this.#waiting += 1;
    const run = this.#running.then(() => {
      this.#waiting -= 1;
      return this.#resend(frame);
    });
    this.#running = run.catch(() => undefined);
    await run;
  }

  async #resend(frame: ResendFrame): Promise<void> {
    const { context, signal } = this.#options;
    const { log } = context;
    signal.throwIfAborted();
    if (frame.block !== undefined) {
      const page = await readBlock({
        log,
        streamId: frame.stream,
        block: frame.block,
        from: 0,
        limit: MAX_RESEND_ITEMS,
      });
      await this.#send(frame.stream, page.items);
      return;
    }
    if (frame.to - frame.from > MAX_RESEND_ITEMS) {
      throw new SpoolError('invalid_request', `Resend at most ${MAX_RESEND_ITEMS} items at once.`);
    }
    let page: Item[] = [];
    const items = log.items(frame.stream, {
      from: frame.from,
      to: frame.to,
      pageSize: RESEND_PAGE_ITEMS,
      signal,
    });
    for await (const item of items) {
      page.push(item);
      if (page.length < RESEND_PAGE_ITEMS) continue;
      await this.#send(frame.stream, page);
      page = [];
    }
    await this.#send(frame.stream, page);
  }

  /** Sends resent items within the connection's buffer: waits while it is full, as deliveries do. */
  async #send(stream: string, items: Item[]): Promise<void> {
    const { context, sink, signal, overflow } = this.#options;
    const { maxChunkItems, maxBufferedBytes, stallTimeoutMs } = context.config;
    for (const chunk of chunkItems(items, maxChunkItems)) {
      signal.throwIfAborted();
      if (sink.resent(stream, chunk)) continue;
      if (sink.bufferedBytes() > maxBufferedBytes)
        throw overflow('its send buffer is over its cap');
      await withTimeout((stop) => sink.drained(stop), {
        timeoutMs: stallTimeoutMs,
        onTimeout: () => overflow(`it took nothing for ${stallTimeoutMs} ms`),
        signal,
      });
    }
  }
}
