/**
 * One `Connect` call: many streams multiplexed on one bidirectional gRPC stream by the shared
 * `StreamMultiplexer`, with the WebSocket protocol's frames and semantics (SPEC section 5). This
 * file is gRPC's side: protobuf messages in and out, one call's HTTP/2 flow control shared by
 * its streams.
 */
import type { ClientFrame__Output } from '@spool/grpc';
import type { SpoolError } from '@spool/protocol';
import type { GatewayContext } from '../context.ts';
import { StreamMultiplexer } from '../delivery/stream-multiplexer.ts';
import { clientFrameOf, errorFrame, subscribedFrame } from './grpc-frames.ts';
import type { GrpcSink } from './grpc-sink.ts';

export class GrpcConnection {
  readonly #streams: StreamMultiplexer;

  /** `credential`: the call's `authorization` metadata (a key or a read token), if any. */
  constructor(input: {
    context: GatewayContext;
    sink: GrpcSink;
    open: () => boolean;
    /** Ends the call with `reason` (its client reads nothing). */
    close: (reason: SpoolError) => void;
    credential: string | undefined;
  }) {
    const { context, sink, open, close, credential } = input;
    this.#streams = new StreamMultiplexer(
      context,
      'grpc',
      {
        subscribed: (frame) => sink.write(subscribedFrame(frame)),
        chunk: (stream, chunk) => sink.sendChunk(stream, chunk),
        resent: (stream, chunk) => sink.sendChunk(stream, chunk),
        error: (error) => sink.write(errorFrame(error)),
        drained: (signal) => sink.drained(signal),
        bufferedBytes: () => sink.bufferedBytes(),
        open,
        close,
      },
      credential,
    );
  }

  receive(message: ClientFrame__Output): void {
    this.#streams.receive(clientFrameOf(message));
  }

  closeAll(reason: unknown): void {
    this.#streams.closeAll(reason);
  }
}
