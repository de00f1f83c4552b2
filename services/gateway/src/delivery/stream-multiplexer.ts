/**
 * Many streams on one connection, with the client frames of SPEC section 5 — the same for every
 * transport that carries them (the WebSocket, gRPC's `Connect`): per-stream deliveries with their
 * own windows and acks, durable subscriptions, resend by range or block, unsubscribe, cancel.
 * A transport supplies the frames' sink and decodes what its client sends into `ClientFrame`s.
 *
 * A bad frame gets an `error` frame (naming its stream when it named one) and never touches the
 * other streams. Failures of one stream's delivery end that stream's subscription only.
 */
import {
  type AckFrame,
  type Chunk,
  type ClientFrame,
  type ClientFrameResult,
  type ProtocolError,
  SpoolError,
  type SubscribeFrame,
} from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import type { Transport } from '../metrics.ts';
import { chunkingPolicy } from './chunking-policy.ts';
import { ClientGone, reportFailure } from './delivery-failure.ts';
import { type DeliveryOutcome, runDelivery } from './delivery-runner.ts';
import type { DeliverySession } from './delivery-session.ts';
import { deliveryStart } from './delivery-start.ts';
import { ResendQueue } from './resend-queue.ts';

/** Streams whose delivery ended are remembered (for late acks) up to this many per connection. */
const MAX_FINISHED = 1_024;
/** What a multiplexed connection writes, in its transport's frames. */
export interface MultiplexSink {
  subscribed(frame: {
    stream: string;
    from: number;
    epoch: string;
    subscription: string | undefined;
    complete: boolean;
  }): void;
  /** A delivery's chunk; false when the connection's buffer is full (wait for `drained`). */
  chunk(stream: string, chunk: Chunk, joinUpTo: number): boolean;
  /** A resent chunk (outside any delivery's window); false when the buffer is full. */
  resent(stream: string, chunk: Chunk): boolean;
  error(error: ProtocolError): void;
  drained(signal: AbortSignal): Promise<void>;
  bufferedBytes(): number;
  /** Whether anything can still reach the client. */
  open(): boolean;
  /** Ends the whole connection (its client takes nothing: `slow_consumer`). */
  close(reason: SpoolError): void;
  /** Called when a stream's delivery starts; the function it returns when it ends. */
  delivering?(stream: string): () => void;
}

interface StreamDelivery {
  controller: AbortController;
  session?: DeliverySession;
  subscription?: string;
  /** The stream's epoch once its delivery started. */
  epoch?: string;
}

export class StreamMultiplexer {
  readonly #context: GatewayContext;
  readonly #transport: Transport;
  readonly #sink: MultiplexSink;
  readonly #streams = new Map<string, StreamDelivery>();
  /** Ended deliveries: stream → its subscription, so acks after the `end` still count. */
  readonly #finished = new Map<string, string | undefined>();
  /** Aborts when the connection closes. */
  readonly #closed = new AbortController();
  readonly #resends: ResendQueue;
  /** The connection's credential (access control on): the default of its subscribes, its key. */
  readonly #credential: string | undefined;
  /** Streams a subscribe of this connection was allowed to read (access control on). */
  readonly #readable = new Set<string>();

  constructor(
    context: GatewayContext,
    transport: Transport,
    sink: MultiplexSink,
    credential?: string,
  ) {
    this.#context = context;
    this.#transport = transport;
    this.#sink = sink;
    this.#credential = credential;
    this.#resends = new ResendQueue({
      context,
      sink,
      signal: this.#closed.signal,
      overflow: (why) => this.#overflow(why),
    });
  }

  get streams(): number {
    return this.#streams.size;
  }

  /** The epoch of a stream being delivered (its chunks are encoded per epoch). */
  epochOf(stream: string): string | undefined {
    return this.#streams.get(stream)?.epoch;
  }

  /** A frame the client sent, as its transport decoded it. */
  receive(decoded: ClientFrameResult): void {
    if (this.#closed.signal.aborted) return;
    // Every frame may be answered (an error frame at least): a client whose answers pile up
    // unread gets nothing more, whatever it sends.
    if (this.#sink.bufferedBytes() > this.#context.config.maxBufferedBytes) {
      this.#overflow('its send buffer is over its cap');
      return;
    }
    if (!decoded.ok) {
      this.#sink.error(decoded.error);
      return;
    }
    void this.#dispatch(decoded.frame).catch((error: unknown) =>
      this.#fail(decoded.frame.stream, error),
    );
  }

  /** The connection closed or the gateway drains: stop every delivery. */
  closeAll(reason: unknown): void {
    this.#closed.abort(reason);
    for (const delivery of this.#streams.values()) delivery.controller.abort(reason);
    this.#streams.clear();
  }

  async #dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'subscribe':
        return this.#subscribe(frame);
      case 'ack':
        return this.#ack(frame);
      case 'resend':
        this.#checkReadable(frame.stream);
        return this.#resends.queue(frame);
      case 'unsubscribe':
        this.#streams.get(frame.stream)?.controller.abort(new ClientGone('Unsubscribed.'));
        this.#streams.delete(frame.stream);
        this.#finished.delete(frame.stream);
        return;
      case 'cancel': {
        const { access } = this.#context;
        await access.authorizeOwner(frame.stream, access.requireKey(this.#credential));
        await this.#context.log.cancel(frame.stream);
        return;
      }
    }
  }

  /** Access control on: a stream is read only after a subscribe to it was allowed. */
  #checkReadable(stream: string): void {
    if (!this.#context.access.enabled || this.#readable.has(stream)) return;
    throw new SpoolError('unauthorized', `Subscribe to ${stream} with its token first.`);
  }

  async #subscribe(frame: SubscribeFrame): Promise<void> {
    const { stream } = frame;
    if (this.#streams.has(stream)) throw new SpoolError('already_subscribed');
    const { maxStreams } = this.#context.config.ws;
    if (this.#streams.size >= maxStreams) {
      throw new SpoolError(
        'too_many_subscriptions',
        `At most ${maxStreams} streams per connection.`,
      );
    }
    const delivery: StreamDelivery = {
      controller: new AbortController(),
      subscription: frame.subscription,
    };
    this.#streams.set(stream, delivery);
    try {
      await this.#context.access.authorizeRead(stream, frame.token ?? this.#credential);
      this.#rememberReadable(stream);
      if (await this.#deliver(frame, delivery)) this.#remember(stream, frame.subscription);
    } finally {
      if (this.#streams.get(stream) === delivery) this.#streams.delete(stream);
    }
  }

  /** Delivers one stream; true once its `end` was sent (or it had nothing left to send). */
  async #deliver(frame: SubscribeFrame, delivery: StreamDelivery): Promise<boolean> {
    const { config } = this.#context;
    const resume = frame.subscription
      ? { kind: 'subscription' as const, subscription: frame.subscription, lastEventId: undefined }
      : { kind: 'offset' as const, from: frame.from ?? 0, epoch: frame.epoch };
    const start = await deliveryStart(this.#context, frame.stream, resume);
    delivery.controller.signal.throwIfAborted();
    delivery.epoch = start.epoch;
    this.#sink.subscribed({
      stream: frame.stream,
      from: start.from,
      epoch: start.epoch,
      subscription: frame.subscription,
      complete: start.complete,
    });
    if (start.complete) return true;
    const leave = this.#sink.delivering?.(frame.stream);
    let outcome: DeliveryOutcome;
    try {
      outcome = await runDelivery(this.#context, {
        transport: this.#transport,
        streamId: frame.stream,
        start,
        sink: {
          send: (chunk, joinUpTo) => this.#sink.chunk(frame.stream, chunk, joinUpTo),
          drained: (signal) => this.#sink.drained(signal),
          bufferedBytes: () => this.#sink.bufferedBytes(),
        },
        window: frame.window ?? config.window,
        chunking: chunkingPolicy(frame.chunking, config.maxChunkItems),
        autoAck: false,
        signal: delivery.controller.signal,
        onSession: (session) => {
          delivery.session = session;
        },
      });
    } finally {
      leave?.();
    }
    if (!outcome.ended && outcome.error) this.#tell(outcome.error, frame.stream);
    return outcome.ended;
  }

  async #ack(frame: AckFrame): Promise<void> {
    const delivery = this.#streams.get(frame.stream);
    if (!delivery && !this.#finished.has(frame.stream)) {
      throw new SpoolError('not_subscribed', `Not subscribed to ${frame.stream}.`);
    }
    delivery?.session?.ack(frame.offset);
    const subscription = delivery ? delivery.subscription : this.#finished.get(frame.stream);
    if (subscription) await this.#context.log.ack(frame.stream, subscription, frame.offset);
  }

  #rememberReadable(stream: string): void {
    if (!this.#context.access.enabled) return;
    this.#readable.delete(stream);
    this.#readable.add(stream);
    if (this.#readable.size > MAX_FINISHED) {
      this.#readable.delete(this.#readable.keys().next().value as string);
    }
  }

  #remember(stream: string, subscription: string | undefined): void {
    this.#finished.delete(stream);
    this.#finished.set(stream, subscription);
    if (this.#finished.size > MAX_FINISHED) {
      this.#finished.delete(this.#finished.keys().next().value as string);
    }
  }

  /** The client does not read what it asks for: the connection ends, resumable. */
  #overflow(why: string): SpoolError {
    const error = new SpoolError(
      'slow_consumer',
      `Closed: ${why}. Reconnect and resume from your last offsets.`,
    );
    if (!this.#closed.signal.aborted) {
      reportFailure(this.#context, {
        transport: this.#transport,
        reason: error,
        streamId: undefined,
      });
      this.closeAll(error);
      this.#sink.close(error);
    }
    return error;
  }

  /** A frame's request failed (a delivery's own failures are reported by the runner). */
  #fail(stream: string | undefined, reason: unknown): void {
    if (this.#closed.signal.aborted) return;
    const error = reportFailure(this.#context, {
      transport: this.#transport,
      reason,
      streamId: stream,
    });
    if (error) this.#tell(error, stream);
  }

  #tell(error: SpoolError, stream: string | undefined): void {
    if (!this.#sink.open()) return;
    this.#sink.error({ code: error.code, message: error.message, stream });
  }
}
