/**
 * One WebSocket: many streams multiplexed (SPEC section 5), each with its own delivery session
 * and window, all sharing the socket's outbox (one write per turn, shared backpressure).
 *
 * A bad frame gets an `error` frame (naming its stream when it named one) and never touches the
 * other streams. Failures of one stream's delivery end that stream's subscription only.
 */
import {
  type AckFrame,
  type ClientFrame,
  chunkItems,
  decodeClientFrame,
  encodeServerChunk,
  encodeServerError,
  encodeSubscribed,
  type Item,
  MAX_RESEND_ITEMS,
  type ProtocolError,
  type ResendFrame,
  SpoolError,
  type SubscribeFrame,
} from '@spool/protocol';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { ClientGone, reportFailure } from '../delivery/delivery-failure.ts';
import { type DeliveryOutcome, runDelivery } from '../delivery/delivery-runner.ts';
import type { DeliverySession } from '../delivery/delivery-session.ts';
import { deliveryStart } from '../delivery/delivery-start.ts';
import { readBlock, readRange } from '../streams/read-block.ts';
import { WsOutbox } from './ws-outbox.ts';

/** Streams whose delivery ended are remembered (for late acks) up to this many per socket. */
const MAX_FINISHED = 1_024;

interface StreamDelivery {
  controller: AbortController;
  session?: DeliverySession;
  subscription?: string;
  /** The stream's epoch when its delivery started (its chunks are encoded per epoch). */
  epoch?: string;
}

export class WsConnection {
  readonly #socket: WebSocket;
  readonly #context: GatewayContext;
  readonly #outbox: WsOutbox;
  readonly #streams = new Map<string, StreamDelivery>();
  /** Ended deliveries: stream → its subscription, so acks after the `end` still count. */
  readonly #finished = new Map<string, string | undefined>();

  constructor(socket: WebSocket, context: GatewayContext) {
    this.#socket = socket;
    this.#context = context;
    const bytesSent = context.metrics.bytesSent.labels({ transport: 'ws' });
    this.#outbox = new WsOutbox({
      socket,
      highWaterBytes: context.config.ws.highWaterBytes,
      onBytes: (bytes) => bytesSent.inc(bytes),
      // Keyed by epoch too: after a Redis failure the same offsets may hold other items.
      encode: (stream, chunk) =>
        context.encodings.encode(
          stream,
          `ws:${this.#streams.get(stream)?.epoch ?? ''}`,
          chunk,
          (each) => encodeServerChunk(stream, each),
        ),
    });
  }

  get streams(): number {
    return this.#streams.size;
  }

  receive(data: Uint8Array | string): void {
    const decoded = decodeClientFrame(data, this.#context.config.ws.maxFrameBytes);
    if (!decoded.ok) {
      this.#sendError(decoded.error);
      return;
    }
    void this.#dispatch(decoded.frame).catch((error: unknown) =>
      this.#fail(decoded.frame.stream, error),
    );
  }

  /** The socket closed or the gateway drains: stop every delivery. */
  closeAll(reason: unknown): void {
    for (const delivery of this.#streams.values()) delivery.controller.abort(reason);
    this.#streams.clear();
    this.#outbox.release();
  }

  async #dispatch(frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'subscribe':
        return this.#subscribe(frame);
      case 'ack':
        return this.#ack(frame);
      case 'resend':
        return this.#resend(frame);
      case 'unsubscribe':
        this.#streams.get(frame.stream)?.controller.abort(new ClientGone('Unsubscribed.'));
        this.#streams.delete(frame.stream);
        this.#finished.delete(frame.stream);
        return;
      case 'cancel':
        await this.#context.log.cancel(frame.stream);
        return;
    }
  }

  async #subscribe(frame: SubscribeFrame): Promise<void> {
    const { stream } = frame;
    if (this.#streams.has(stream)) throw new SpoolError('already_subscribed');
    if (this.#streams.size >= this.#context.config.ws.maxStreams) {
      throw new SpoolError(
        'too_many_subscriptions',
        `At most ${this.#context.config.ws.maxStreams} streams per socket.`,
      );
    }
    const delivery: StreamDelivery = {
      controller: new AbortController(),
      subscription: frame.subscription,
    };
    this.#streams.set(stream, delivery);
    try {
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
    this.#outbox.sendText(
      encodeSubscribed({
        stream: frame.stream,
        from: start.from,
        epoch: start.epoch,
        subscription: frame.subscription,
        complete: start.complete,
      }),
      frame.stream,
    );
    if (start.complete) return true;
    const leave = this.#context.encodings.join(frame.stream);
    let outcome: DeliveryOutcome;
    try {
      outcome = await runDelivery(this.#context, {
        transport: 'ws',
        streamId: frame.stream,
        start,
        sink: {
          send: (chunk, joinUpTo) => this.#outbox.sendChunk(frame.stream, chunk, joinUpTo),
          drained: (signal) => this.#outbox.drained(signal),
          bufferedBytes: () => this.#outbox.bufferedBytes(),
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
      leave();
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

  #remember(stream: string, subscription: string | undefined): void {
    this.#finished.delete(stream);
    this.#finished.set(stream, subscription);
    if (this.#finished.size > MAX_FINISHED) {
      this.#finished.delete(this.#finished.keys().next().value as string);
    }
  }

  async #resend(frame: ResendFrame): Promise<void> {
    const { log, config } = this.#context;
    let items: Item[];
    if (frame.block !== undefined) {
      const page = await readBlock({
        log,
        streamId: frame.stream,
        block: frame.block,
        from: 0,
        limit: MAX_RESEND_ITEMS,
      });
      items = page.items;
    } else {
      if (frame.to - frame.from > MAX_RESEND_ITEMS) {
        throw new SpoolError(
          'invalid_request',
          `Resend at most ${MAX_RESEND_ITEMS} items at once.`,
        );
      }
      items = await readRange(log, frame.stream, frame.from, frame.to);
    }
    for (const chunk of chunkItems(items, config.maxChunkItems))
      this.#outbox.sendText(encodeServerChunk(frame.stream, chunk), frame.stream);
  }

  /** A frame's request failed (a delivery's own failures are reported by the runner). */
  #fail(stream: string | undefined, reason: unknown): void {
    const error = reportFailure(this.#context, { transport: 'ws', reason, streamId: stream });
    if (error) this.#tell(error, stream);
  }

  #tell(error: SpoolError, stream: string | undefined): void {
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    this.#sendError({ code: error.code, message: error.message, stream });
  }

  #sendError(error: ProtocolError): void {
    this.#outbox.sendText(encodeServerError(error), error.stream);
  }
}
