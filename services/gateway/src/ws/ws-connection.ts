/**
 * One WebSocket: many streams multiplexed (SPEC section 5) by the shared `StreamMultiplexer`,
 * all sharing the socket's outbox (one write per turn, shared backpressure). This file is the
 * WebSocket's side: JSON frames in and out, chunk encodings shared by the readers of a stream
 * (keyed by epoch: after a Redis failure the same offsets may hold other items).
 */
import {
  decodeClientFrame,
  encodeHeartbeat,
  encodeServerChunk,
  encodeServerError,
  encodeSubscribed,
} from '@spool/protocol';
import type { WebSocket } from 'ws';
import type { GatewayContext } from '../context.ts';
import { StreamMultiplexer } from '../delivery/stream-multiplexer.ts';
import { WsOutbox } from './ws-outbox.ts';

/** Close code of a connection whose client does not read (1013: try again later). */
export const CLOSE_SLOW_CONSUMER = 1013;
/** How long a closing socket may take to flush its close frame before it is cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Closes a socket whose client reads nothing: the close frame waits behind what it did not read,
 * so the socket is cut soon after rather than after ws's 30 s close timeout.
 */
function closeSlow(socket: WebSocket, reason: string): void {
  socket.close(CLOSE_SLOW_CONSUMER, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}

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
        subscribed: (frame) =>
          outbox.sendText(
            encodeSubscribed({ ...frame, heartbeatMs: context.config.heartbeatMs }),
            frame.stream,
          ),
        chunk: (stream, chunk, joinUpTo) => outbox.sendChunk(stream, chunk, joinUpTo),
        resent: (stream, chunk) => outbox.sendText(encodeServerChunk(stream, chunk), stream),
        error: (error) => outbox.sendText(encodeServerError(error), error.stream),
        drained: (signal) => outbox.drained(signal),
        bufferedBytes: () => outbox.bufferedBytes(),
        open: () => socket.readyState === socket.OPEN,
        close: (reason) => closeSlow(socket, reason.code),
        delivering: (stream) => context.encodings.join(stream),
      },
      credential,
    );
  }

  get streams(): number {
    return this.#streams.streams;
  }

  /**
   * Sends a `heartbeat` frame when nothing went out for the heartbeat interval and nothing waits
   * in the send buffer (a full buffer is the client's to drain; its bytes are signs of life).
   */
  heartbeat(): void {
    const { heartbeatMs } = this.#context.config;
    if (Date.now() - this.#outbox.lastSentAt < heartbeatMs || this.#outbox.bufferedBytes() > 0)
      return;
    this.#outbox.sendText(encodeHeartbeat(heartbeatMs));
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
