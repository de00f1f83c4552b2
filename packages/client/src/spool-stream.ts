/**
 * One stream as the application reads it: an async iterable of chunks (or callbacks), in offset
 * order, each offset exactly once across any number of reconnects and gateways.
 *
 * The stream owns the buffer and its position (stream-position.ts: what was received, what was
 * consumed). Links (one connection each, see link.ts) move chunks in; the reconnect loop in
 * stream-connector.ts replaces them when they fail.
 *
 * One exception to "each offset once": when a Redis failure lost items this stream had been
 * sent and the log was written again differently (the gateway answers `stream_reset`), the
 * stream starts the message again from offset 0 and says so first (`reset` event, `resets`):
 * the application drops what it showed rather than getting two versions spliced.
 */
import type { Chunk, SpoolError } from '@spool/protocol';
import { ChunkBuffer } from './chunk-buffer.ts';
import type { LinkSink, Reception } from './link.ts';
import { Listeners } from './listeners.ts';
import { type BlockState, MessageState } from './message-state.ts';
import {
  checkStreamStart,
  highWaterMark,
  type StreamOptions,
  type TransportName,
} from './options.ts';
import { ReadWaiters } from './read-waiters.ts';
import { RoomWaiters } from './room-waiters.ts';
import { StreamAcks } from './stream-acks.ts';
import { StreamConnector } from './stream-connector.ts';
import type { StreamHost } from './stream-host.ts';
import { StreamPosition } from './stream-position.ts';
import type { StreamState } from './stream-state.ts';

type StreamEvents = {
  chunk: [Chunk];
  reset: [SpoolError];
  end: [string];
  error: [SpoolError];
  state: [StreamState];
};

export class SpoolStream implements AsyncIterable<Chunk> {
  readonly id: string;
  readonly #host: StreamHost;
  readonly #highWaterMark: number;
  readonly #buffer = new ChunkBuffer();
  #message = new MessageState();
  #resets = 0;
  readonly #events = new Listeners<StreamEvents>();
  readonly #waiters = new ReadWaiters();
  readonly #room = new RoomWaiters();
  readonly #connector: StreamConnector;
  readonly #acks: StreamAcks;
  readonly #position: StreamPosition;
  /** The network side has everything (`end` received, or nothing more to send). */
  #complete = false;
  /** The application has everything. */
  #done = false;
  #closed = false;
  #failure: SpoolError | undefined;
  #failureReported = false;
  #flowing = false;
  #delivering = false;

  constructor(input: { host: StreamHost; id: string; options?: StreamOptions }) {
    const options = input.options ?? {};
    checkStreamStart(options);
    this.id = input.id;
    this.#host = input.host;
    this.#highWaterMark = highWaterMark(options.highWaterMark, input.host.options.highWaterMark);
    this.#position = new StreamPosition({
      from: options.from ?? 0,
      subscription: options.subscription !== undefined,
      epoch: options.epoch,
    });
    this.#connector = new StreamConnector({
      host: input.host,
      stream: this.id,
      subscription: options.subscription,
      chunking: options.chunking,
      token: options.token,
      sink: this.#sink(),
      state: {
        active: () => !this.#done && !this.#closed && !this.#failure && !this.#complete,
        resumeFrom: () => this.#position.resumeFrom(),
        resumeEpoch: () => this.#position.epoch,
        reset: (error) => this.#reset(error),
        window: () => this.#highWaterMark - this.#buffer.items,
        restartSubscription: () => this.#restartSubscription(),
        complete: () => this.#completed(),
        fail: (error) => this.#fail(error),
        state: (state) => this.#events.emit('state', state),
      },
    });
    this.#acks = new StreamAcks({
      host: input.host,
      stream: this.id,
      subscription: options.subscription,
      highWaterMark: this.#highWaterMark,
      link: () => this.#connector.link,
      gateway: () => this.#connector.gatewayIndex,
    });
    const { signal } = options;
    if (signal?.aborted) queueMicrotask(() => this.close());
    else signal?.addEventListener('abort', () => this.close(), { once: true });
    queueMicrotask(() => this.#connector.start());
  }

  /** Offset after the last item handed to the application. */
  get offset(): number {
    return this.#position.consumed;
  }

  /**
   * The epoch of the items handed out so far (save it with `offset` to resume later with
   * `{ from, epoch }`); undefined until a gateway named one.
   */
  get epoch(): string | undefined {
    return this.#position.epoch;
  }

  /** How many times the message started again from offset 0 (`reset` events). */
  get resets(): number {
    return this.#resets;
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
          this.#waiters.add({ resolve, reject });
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
  /**
   * The message starts again from offset 0: what was handed out may differ from the log (Redis
   * lost it and it was written again). Drop the text shown so far; the chunks from offset 0 follow.
   */
  on(event: 'reset', listener: (error: SpoolError) => void): () => void;
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
    if (!this.#done && this.#failure === undefined) this.#acks.closing(this.#position.consumed);
    this.#buffer.clear();
    this.#shutdown();
    this.#deliver();
  }

  #sink(): LinkSink {
    return {
      started: (from, epoch) => this.#position.started(from, this.#buffer.items === 0, epoch),
      received: (chunk, opening) => this.#receive(chunk, opening),
      hasRoom: () => this.#buffer.items < this.#highWaterMark,
      room: (signal) => this.#room.wait(this.#buffer.items < this.#highWaterMark, signal),
    };
  }

  #receive(chunk: Chunk, opening: boolean): Reception {
    if (this.#done || this.#closed) return 'ok';
    const placement = this.#position.place(chunk, { opening, empty: this.#buffer.items === 0 });
    if (placement === 'repeat') return 'ok';
    if (placement !== 'next') return 'violation';
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
    const offset = this.#position.restart();
    if (offset === undefined) return undefined;
    this.#buffer.clear();
    this.#room.notify();
    return offset;
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
    this.#position.consume(chunk);
    this.#acks.consumed(this.#position.consumed, this.#buffer.items === 0);
    if (this.#buffer.items < this.#highWaterMark) this.#room.notify();
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
      this.#waiters.fail(failure);
      return;
    }
    if (this.#complete && !this.#done) this.#endWithoutEndItem();
    if (this.#done || this.#closed) this.#waiters.finish();
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

  /**
   * `stream_reset`: start the message again from offset 0, announced before its first chunk. A
   * subscription cannot (its acknowledgements are of the lost version): it fails with the error.
   */
  #reset(error: SpoolError): void {
    if (this.#done || this.#closed || this.#failure !== undefined) return;
    if (this.#acks.subscription) {
      this.#fail(error);
      return;
    }
    this.#buffer.clear();
    this.#message = new MessageState();
    this.#position.reset();
    this.#resets += 1;
    this.#room.notify();
    this.#events.emit('reset', error);
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
    this.#room.notify();
    this.#host.forget(this);
  }
}

function isEnd(chunk: Chunk): boolean {
  return chunk.kind === 'control' && chunk.item.type === 'end';
}
