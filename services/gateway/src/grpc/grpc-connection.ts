/**
 * One `Connect` call: many streams multiplexed on one bidirectional gRPC stream, with the
 * WebSocket protocol's frames and semantics (SPEC section 5): per-stream windows and acks,
 * durable subscriptions, resend by range or block, cancel. All streams share the call's
 * HTTP/2 flow control. A bad frame gets an `error` frame (naming its stream when it named one)
 * and never touches the other streams.
 */

import type { ClientFrame__Output } from '@spool/grpc';
import {
  type AckFrame,
  type ClientFrame,
  chunkItems,
  type Item,
  MAX_RESEND_ITEMS,
  type ProtocolError,
  type ResendFrame,
  SpoolError,
  type SubscribeFrame,
} from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import { chunkingPolicy } from '../delivery/chunking-policy.ts';
import { ClientGone, reportFailure } from '../delivery/delivery-failure.ts';
import { type DeliveryOutcome, runDelivery } from '../delivery/delivery-runner.ts';
import type { DeliverySession } from '../delivery/delivery-session.ts';
import { deliveryStart } from '../delivery/delivery-start.ts';
import { readBlock, readRange } from '../streams/read-block.ts';
import { clientFrameOf, errorFrame, subscribedFrame } from './grpc-frames.ts';
import type { GrpcSink } from './grpc-sink.ts';

interface StreamDelivery {
  controller: AbortController;
  session?: DeliverySession;
  subscription?: string;
}

export class GrpcConnection {
  readonly #context: GatewayContext;
  readonly #sink: GrpcSink;
  readonly #streams = new Map<string, StreamDelivery>();
  /** Ended deliveries: stream → its subscription, so acks after the `end` still count. */
  readonly #finished = new Map<string, string | undefined>();

  constructor(context: GatewayContext, sink: GrpcSink) {
    this.#context = context;
    this.#sink = sink;
  }

  receive(message: ClientFrame__Output): void {
    const decoded = clientFrameOf(message);
    if (!decoded.ok) {
      this.#sendError(decoded.error);
      return;
    }
    void this.#dispatch(decoded.frame).catch((error: unknown) =>
      this.#fail(decoded.frame.stream, error),
    );
  }

  closeAll(reason: unknown): void {
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
    const { maxStreams } = this.#context.config.ws;
    if (this.#streams.size >= maxStreams) {
      throw new SpoolError('too_many_subscriptions', `At most ${maxStreams} streams per call.`);
    }
    const delivery: StreamDelivery = {
      controller: new AbortController(),
      subscription: frame.subscription,
    };
    this.#streams.set(stream, delivery);
    try {
      if (await this.#deliver(frame, delivery)) {
        this.#finished.set(stream, frame.subscription);
        if (this.#finished.size > 1_024) {
          this.#finished.delete(this.#finished.keys().next().value as string);
        }
      }
    } finally {
      if (this.#streams.get(stream) === delivery) this.#streams.delete(stream);
    }
  }

  async #deliver(frame: SubscribeFrame, delivery: StreamDelivery): Promise<boolean> {
    const { config } = this.#context;
    const resume = frame.subscription
      ? { kind: 'subscription' as const, subscription: frame.subscription, lastEventId: undefined }
      : { kind: 'offset' as const, from: frame.from ?? 0, epoch: frame.epoch };
    const start = await deliveryStart(this.#context, frame.stream, resume);
    delivery.controller.signal.throwIfAborted();
    this.#sink.write(
      subscribedFrame({
        stream: frame.stream,
        from: start.from,
        subscription: frame.subscription,
        complete: start.complete,
        epoch: start.epoch,
      }),
    );
    if (start.complete) return true;
    const outcome: DeliveryOutcome = await runDelivery(this.#context, {
      transport: 'grpc',
      streamId: frame.stream,
      start,
      sink: {
        send: (chunk) => this.#sink.sendChunk(frame.stream, chunk),
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
      this.#sink.sendChunk(frame.stream, chunk);
  }

  #fail(stream: string | undefined, reason: unknown): void {
    const error = reportFailure(this.#context, { transport: 'grpc', reason, streamId: stream });
    if (error) this.#tell(error, stream);
  }

  #tell(error: SpoolError, stream: string | undefined): void {
    this.#sendError({ code: error.code, message: error.message, stream });
  }

  #sendError(error: ProtocolError): void {
    this.#sink.write(errorFrame(error));
  }
}
