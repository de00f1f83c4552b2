/**
 * One WebSocket: many streams multiplexed (SPEC section 5) by the shared `StreamMultiplexer`,
 * all sharing the socket's outbox (one write per turn, shared backpressure). This file is the
 * WebSocket's side: JSON frames in and out, chunk encodings shared by the readers of a stream
 * (keyed by epoch: after a Redis failure the same offsets may hold other items).
 */
import {
  decodeClientFrame,
  encodeServerChunk,
  encodeServerError,
  encodeSubscribed,
} from '@spool/protocol';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.ts';
import { StreamMultiplexer } from '../delivery/stream-multiplexer.ts';
import { WsOutbox } from './ws-outbox.ts';

export class WsConnection {
  readonly #context: GatewayContext;
  readonly #outbox: WsOutbox;
  readonly #streams: StreamMultiplexer;

  /** `credential`: what the upgrade request authenticated with (a key or a read token), if any. */
  constructor(socket: WebSocket, context: GatewayContext, credential?: string) {
    this.#context = context;
    const bytesSent = context.metrics.bytesSent.labels({ transport: 'ws' });
    const outbox = new WsOutbox({
      socket,
      highWaterBytes: context.config.ws.highWaterBytes,
      onBytes: (bytes) => bytesSent.inc(bytes),
      encode: (stream, chunk) =>
        context.encodings.encode(
          stream,
          `ws:${this.#streams.epochOf(stream) ?? ''}`,
          chunk,
          (each) => encodeServerChunk(stream, each),
        ),
    });
    this.#outbox = outbox;
    this.#streams = new StreamMultiplexer(
      context,
      'ws',
      {
        subscribed: (frame) => outbox.sendText(encodeSubscribed(frame), frame.stream),
        chunk: (stream, chunk, joinUpTo) => outbox.sendChunk(stream, chunk, joinUpTo),
        resent: (stream, chunk) => outbox.sendText(encodeServerChunk(stream, chunk), stream),
        error: (error) => outbox.sendText(encodeServerError(error), error.stream),
        drained: (signal) => outbox.drained(signal),
        bufferedBytes: () => outbox.bufferedBytes(),
        open: () => socket.readyState === socket.OPEN,
        delivering: (stream) => context.encodings.join(stream),
      },
      credential,
    );
  }

  get streams(): number {
    return this.#streams.streams;
  }

  receive(data: Uint8Array | string): void {
    this.#streams.receive(decodeClientFrame(data, this.#context.config.ws.maxFrameBytes));
  }

  /** The socket closed or the gateway drains: stop every delivery. */
  closeAll(reason: unknown): void {
    this.#streams.closeAll(reason);
    this.#outbox.release();
  }
}
