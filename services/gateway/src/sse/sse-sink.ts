/**
 * An SSE response as a delivery sink: encodes chunks (SPEC section 4), counts bytes, sends a
 * heartbeat comment when nothing else went out for `heartbeatMs`.
 */
import type { ServerResponse } from 'node:http';
import { type Chunk, encodeSseChunk, SSE_HEARTBEAT } from '@spool/protocol';
import type { DeliverySink } from '../delivery/delivery-session.ts';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
} as const;

export class SseSink implements DeliverySink {
  readonly #response: ServerResponse;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #onBytes: (bytes: number) => void;
  readonly #encode: (chunk: Chunk) => string;
  #lastWrite = Date.now();

  constructor(input: {
    response: ServerResponse;
    heartbeatMs: number;
    onBytes: (bytes: number) => void;
    encode?: (chunk: Chunk) => string;
  }) {
    this.#response = input.response;
    this.#onBytes = input.onBytes;
    this.#encode = input.encode ?? encodeSseChunk;
    this.#heartbeat = setInterval(
      () => {
        if (Date.now() - this.#lastWrite >= input.heartbeatMs && this.bufferedBytes() === 0) {
          this.writeText(SSE_HEARTBEAT);
        }
      },
      Math.max(50, Math.floor(input.heartbeatMs / 2)),
    );
    this.#heartbeat.unref();
  }

  send(chunk: Chunk): boolean {
    const text = this.#encode(chunk);
    // A format may write nothing for a chunk (OpenAI's has no `block_end`): the next event's
    // id covers it. The answer is then whether the socket still takes more.
    if (text === '') return !this.#response.writableNeedDrain;
    return this.writeText(text);
  }

  /** Writes raw SSE text (retry line, protocol errors, heartbeats). */
  writeText(text: string): boolean {
    if (this.#response.writableEnded || this.#response.destroyed) return false;
    this.#lastWrite = Date.now();
    this.#onBytes(Buffer.byteLength(text));
    return this.#response.write(text);
  }

  drained(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#response.off('drain', done);
        this.#response.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#response.on('drain', done);
      this.#response.on('close', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  bufferedBytes(): number {
    return this.#response.writableLength;
  }

  end(): void {
    clearInterval(this.#heartbeat);
    if (!this.#response.writableEnded) this.#response.end();
  }
}
