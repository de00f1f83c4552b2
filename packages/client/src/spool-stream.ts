/**
 * One stream as the application reads it: an async iterable of chunks (or callbacks), in offset
 * order, each offset exactly once across any number of reconnects and gateways.
 *
 * The stream owns the buffer and two offsets: `received` (after the last item taken from the
 * network, where a new connection resumes) and `consumed` (after the last item handed to the
 * application, what is acknowledged). Links (one connection each, see link.ts) move chunks in;
 * the reconnect loop in stream-connector.ts replaces them when they fail.
 */
import { type Chunk, chunkEnd, chunkStart, SpoolError } from '@spool/protocol';
import { ChunkBuffer } from './chunk-buffer.ts';
import { placeChunk } from './chunk-order.ts';
import type { LinkSink, Reception } from './link.ts';
import { Listeners } from './listeners.ts';
import { type BlockState, MessageState } from './message-state.ts';
import { highWaterMark, type StreamOptions, type TransportName } from './options.ts';
import { StreamConnector } from './stream-connector.ts';
import type { StreamHost } from './stream-host.ts';

export interface StreamState {
  transport?: TransportName;
  gateway?: string;
  connected: boolean;
  reconnects: number;
}

type StreamEvents = {
  chunk: [Chunk];
  end: [string];
  error: [SpoolError];
  state: [StreamState];
};

interface Waiter {
  resolve(result: IteratorResult<Chunk>): void;
  reject(error: unknown): void;
}

export class SpoolStream implements AsyncIterable<Chunk> {
  readonly id: string;
  readonly #host: StreamHost;
  readonly #subscription: string | undefined;
  readonly #highWaterMark: number;
  readonly #buffer = new ChunkBuffer();
  readonly #message = new MessageState();
  readonly #events = new Listeners<StreamEvents>();
  readonly #waiters: Waiter[] = [];
  readonly #roomWaiters = new Set<() => void>();
  readonly #connector: StreamConnector;
  #consumed: number;
  #received: number;
  /** False until a subscription's delivery says where it starts. */
  #positioned: boolean;
  /** The network side has everything (`end` received, or nothing more to send). */
  #complete = false;
  /** The application has everything. */
  #done = false;
  #closed = false;
  #failure: SpoolError | undefined;
  #failureReported = false;
  #flowing = false;
  #delivering = false;
  #durableAck = { sent: 0, pending: undefined as number | undefined, inFlight: false };

  constructor(input: { host: StreamHost; id: string; options?: StreamOptions }) {
    const options = input.options ?? {};
    checkStart(options);
    this.id = input.id;
    this.#host = input.host;
    this.#subscription = options.subscription;
    this.#highWaterMark = highWaterMark(options.highWaterMark, input.host.options.highWaterMark);
    this.#consumed = options.from ?? 0;
    this.#received = this.#consumed;
    this.#positioned = options.subscription === undefined;
    this.#connector = new StreamConnector({
      host: input.host,
      stream: this.id,
      subscription: options.subscription,
      chunking: options.chunking,
      sink: this.#sink(),
      state: {
        active: () => !this.#done && !this.#closed && !this.#failure && !this.#complete,
        resumeFrom: () => (this.#positioned ? this.#received : undefined),
        window: () => this.#highWaterMark - this.#buffer.items,
        restartSubscription: () => this.#restartSubscription(),
        complete: () => this.#completed(),
        fail: (error) => this.#fail(error),
        state: (state) => this.#events.emit('state', state),
      },
    });
    const { signal } = options;
    if (signal?.aborted) queueMicrotask(() => this.close());
    else signal?.addEventListener('abort', () => this.close(), { once: true });
    queueMicrotask(() => this.#connector.start());
  }

  /** Offset after the last item handed to the application. */
  get offset(): number {
    return this.#consumed;
  }

  get transport(): TransportName | undefined {
    return this.#connector.current.transport;
  }

  get gateway(): string | undefined {
    return this.#connector.current.gateway;
  }

  /** The application has had the whole stream (its `end`, or nothing was left). */
  get done(): boolean {
    return this.#done;
  }

  /** Items received and not yet handed to the application. */
  get buffered(): number {
    return this.#buffer.items;
  }

  get text(): string {
    return this.#message.text;
  }

  get blocks(): BlockState[] {
    return this.#message.blocks;
  }

  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    return {
      next: () =>
        new Promise<IteratorResult<Chunk>>((resolve, reject) => {
          this.#waiters.push({ resolve, reject });
          this.#deliver();
        }),
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  on(event: 'chunk', listener: (chunk: Chunk) => void): () => void;
  on(event: 'end', listener: (finishReason: string) => void): () => void;
  on(event: 'error', listener: (error: SpoolError) => void): () => void;
  on(event: 'state', listener: (state: StreamState) => void): () => void;
  on(event: keyof StreamEvents, listener: (value: never) => void): () => void {
    const off = this.#events.on(event, listener as never);
    if (event === 'chunk' && !this.#flowing) {
      this.#flowing = true;
      queueMicrotask(() => this.#deliver());
    }
    return off;
  }

  /** Cuts the current connection (a WebSocket: the client's socket to that gateway); it resumes. */
  drop(): void {
    this.#connector.drop();
  }

  /** Moves to the next gateway of the list now. */
  switchGateway(): void {
    this.#connector.switchGateway();
  }

  /** Stops the generation; the stream still ends with `end` (`cancelled`). */
  cancel(): Promise<void> {
    return this.#host.cancel(this.id);
  }

  /** Stops reading: the iterator returns, nothing more is delivered. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#done && this.#failure === undefined) this.#flushAck();
    this.#buffer.clear();
    this.#shutdown();
    this.#deliver();
  }

  #sink(): LinkSink {
    return {
      started: (from) => this.#started(from),
      received: (chunk, opening) => this.#receive(chunk, opening),
      hasRoom: () => this.#buffer.items < this.#highWaterMark,
      room: (signal) => this.#room(signal),
    };
  }

  #started(from: number | undefined): Reception {
    if (from === undefined) return 'ok';
    if (this.#subscription === undefined) return from === this.#received ? 'ok' : 'violation';
    this.#position(from);
    return 'ok';
  }

  /**
   * A subscription's delivery starts where the gateway says: there, when the stream did not
   * know yet; further than expected when someone acknowledged more (those items are skipped).
   */
  #position(from: number): void {
    if (!this.#positioned) {
      this.#positioned = true;
      this.#consumed = from;
      this.#received = from;
    } else if (from > this.#received) {
      this.#received = from;
      if (this.#buffer.items === 0) this.#consumed = from;
    }
  }

  #receive(chunk: Chunk, opening: boolean): Reception {
    if (this.#done || this.#closed) return 'ok';
    if (this.#subscription !== undefined && (opening || !this.#positioned)) {
      this.#position(chunkStart(chunk));
    }
    const placement = placeChunk(chunk, this.#received);
    if (placement === 'repeat') return 'ok';
    if (placement !== 'next') return 'violation';
    this.#received = chunkEnd(chunk);
    this.#connector.progressed();
    this.#buffer.push(chunk);
    this.#deliver();
    return isEnd(chunk) ? 'end' : 'ok';
  }

  /**
   * Before a subscription resumes over WebSocket: the gateway restarts it at its durable ack,
   * with chunk boundaries of its own, so what is buffered is dropped and received again from
   * what the application consumed. Returns that offset, to acknowledge first.
   */
  #restartSubscription(): number | undefined {
    if (this.#subscription === undefined || !this.#positioned) return undefined;
    this.#buffer.clear();
    this.#received = this.#consumed;
    this.#notifyRoom();
    return this.#consumed;
  }

  /** Hands buffered chunks to waiting `next()` calls or chunk listeners, then settles. */
  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#buffer.length > 0 && !this.#closed) {
        const waiter = this.#waiters.shift();
        if (waiter === undefined && !this.#flowing) break;
        const chunk = this.#buffer.shift();
        if (chunk === undefined) break;
        this.#message.apply(chunk);
        if (waiter === undefined) this.#events.emit('chunk', chunk);
        this.#consume(chunk);
        waiter?.resolve({ value: chunk, done: false });
      }
      if (this.#buffer.length === 0 || this.#closed) this.#settle();
    } finally {
      this.#delivering = false;
    }
  }

  /** The application has `chunk`: acknowledge it, make room, finish on `end`. */
  #consume(chunk: Chunk): void {
    this.#consumed = chunkEnd(chunk);
    const empty = this.#buffer.items === 0;
    const acked = this.#connector.link?.consumed(this.#consumed, empty) === true;
    if (!acked && this.#subscription !== undefined) this.#ackOverHttp(empty);
    if (this.#buffer.items < this.#highWaterMark) this.#notifyRoom();
    if (chunk.kind === 'control' && chunk.item.type === 'end') {
      this.#done = true;
      this.#shutdown();
      this.#events.emit('end', chunk.item.finish_reason);
    }
  }

  /** With the buffer empty: surface a failure, or the end, to whoever waits. */
  #settle(): void {
    if (this.#failure !== undefined && !this.#done && !this.#closed) {
      const failure = this.#failure;
      if (!this.#failureReported) {
        this.#failureReported = true;
        this.#events.emit('error', failure);
      }
      for (const waiter of this.#waiters.splice(0)) waiter.reject(failure);
      return;
    }
    if (this.#complete && !this.#done) this.#endWithoutEndItem();
    if (this.#done || this.#closed) {
      for (const waiter of this.#waiters.splice(0))
        waiter.resolve({ value: undefined, done: true });
    }
  }

  /** The gateway said the stream has ended and there is nothing left for us (no `end` item). */
  #endWithoutEndItem(): void {
    this.#done = true;
    this.#shutdown();
    this.#host.finishReason(this.id).then(
      (reason) => this.#events.emit('end', reason),
      () => this.#events.emit('end', 'stop'),
    );
  }

  #completed(): void {
    this.#complete = true;
    this.#deliver();
  }

  #fail(error: SpoolError): void {
    if (this.#failure !== undefined || this.#done || this.#closed) return;
    this.#failure = error;
    this.#shutdown();
    this.#deliver();
  }

  #shutdown(): void {
    this.#connector.stop();
    this.#notifyRoom();
    this.#host.forget(this);
  }

  /** A subscription's final acknowledgement, when the stream is closed early. */
  #flushAck(): void {
    if (this.#subscription === undefined) return;
    if (this.#connector.link?.consumed(this.#consumed, true) !== true) this.#ackOverHttp(true);
  }

  /** Durable acks over HTTP (SSE has no ack channel): batched, one request in flight. */
  #ackOverHttp(force: boolean): void {
    const state = this.#durableAck;
    const offset = this.#consumed;
    if (offset <= state.sent || (!force && offset - state.sent < this.#highWaterMark / 4)) return;
    state.pending = Math.max(state.pending ?? 0, offset);
    if (!state.inFlight) void this.#sendAcks();
  }

  async #sendAcks(): Promise<void> {
    const state = this.#durableAck;
    const subscription = this.#subscription;
    if (subscription === undefined) return;
    state.inFlight = true;
    while (state.pending !== undefined && state.pending > state.sent) {
      const offset = state.pending;
      state.pending = undefined;
      try {
        await this.#host.acknowledge({
          gateway: this.#connector.gatewayIndex,
          stream: this.id,
          subscription,
          offset,
          attempts: 3,
        });
        state.sent = Math.max(state.sent, offset);
      } catch {
        // A later ack carries a higher offset; acks only move forward.
      }
    }
    state.inFlight = false;
  }

  #room(signal: AbortSignal): Promise<void> {
    if (this.#buffer.items < this.#highWaterMark || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#roomWaiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#roomWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #notifyRoom(): void {
    for (const waiter of [...this.#roomWaiters]) waiter();
  }
}

function isEnd(chunk: Chunk): boolean {
  return chunk.kind === 'control' && chunk.item.type === 'end';
}

function checkStart(options: StreamOptions): void {
  if (options.from !== undefined && options.subscription !== undefined) {
    throw new SpoolError('invalid_request', 'Give from or subscription, not both.');
  }
  if (options.from !== undefined && (!Number.isSafeInteger(options.from) || options.from < 0)) {
    throw new SpoolError('invalid_offset', 'from: expected a non-negative integer.');
  }
}
