/**
 * What one gRPC call writes: server frames on its HTTP/2 stream, with HTTP/2's flow control as
 * the transport's backpressure. grpc-js hands a message to the HTTP/2 stream when the peer's
 * window allows; until then it waits in the call's buffer. `write` returning false (the call's
 * buffer is at its mark) is "full", and the `drain` event says the client took enough.
 * `bufferedBytes` counts the frames' approximate sizes until grpc-js has passed them on.
 */
import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import type { ServerFrame } from '@spool/grpc';
import type { Chunk } from '@spool/protocol';
import { chunkFrame } from './grpc-frames.ts';

type Call = ServerWritableStream<unknown, ServerFrame> | ServerDuplexStream<unknown, ServerFrame>;

/** Fixed per-frame overhead: gRPC's 5-byte prefix, HTTP/2 framing, offsets. */
const FRAME_OVERHEAD = 32;

export class GrpcSink {
  readonly #call: Call;
  readonly #onBytes: (bytes: number) => void;
  #buffered = 0;

  constructor(call: Call, onBytes: (bytes: number) => void) {
    this.#call = call;
    this.#onBytes = onBytes;
  }

  /** Writes a chunk of `stream`; false once the call's buffer is full. */
  sendChunk(stream: string, chunk: Chunk): boolean {
    const text = chunk.kind === 'tokens' ? chunk.text.length : 64;
    return this.write(chunkFrame(stream, chunk), text + stream.length);
  }

  write(frame: ServerFrame, approxBytes = 64): boolean {
    if (!this.#call.writable) return false;
    const bytes = approxBytes + FRAME_OVERHEAD;
    this.#buffered += bytes;
    return this.#call.write(frame, () => {
      this.#buffered -= bytes;
      this.#onBytes(bytes);
    });
  }

  drained(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#call.writableNeedDrain) return resolve();
      const done = () => {
        this.#call.off('drain', done);
        this.#call.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#call.on('drain', done);
      this.#call.on('close', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  bufferedBytes(): number {
    return this.#buffered;
  }
}
