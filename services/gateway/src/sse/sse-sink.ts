/**
 * An SSE response as a delivery sink: encodes chunks (SPEC section 4), counts bytes, sends a
 * heartbeat comment when nothing else went out for `heartbeatMs`.
 *
 * One write per event-loop turn: chunks sent during a turn wait in `#pending` until the turn's
 * I/O callbacks are done (`setImmediate`), then go out as one write, consecutive tokens of a
 * block joined into one event (within the delivery's chunk limit). A reader that keeps up on a
 * quiet gateway still gets every token at once; under load, what piles up in one turn costs one
 * event and one syscall instead of one per token.
 */
import type { ServerResponse } from 'node:http';
import { type Chunk, encodeSseChunk, joinChunks, SSE_HEARTBEAT } from '@spool/protocol';
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
  #pending: Chunk[] = [];
  #flushScheduled = false;
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

  send(chunk: Chunk, joinUpTo: number): boolean {
    const last = this.#pending.at(-1);
    const joined = last?.kind === 'tokens' ? joinChunks(last, chunk, joinUpTo) : undefined;
    if (joined) this.#pending[this.#pending.length - 1] = joined;
    else this.#pending.push(chunk);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return !this.#response.writableNeedDrain;
  }

  /** Writes raw SSE text (retry line, protocol errors, heartbeats), after what is pending. */
  writeText(text: string): boolean {
    this.#flush();
    return this.#write(text);
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
    this.#flush();
    clearInterval(this.#heartbeat);
    if (!this.#response.writableEnded) this.#response.end();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const chunks = this.#pending;
    this.#pending = [];
    let text = '';
    // A format may write nothing for a chunk (OpenAI's has no `block_end`): the next event's id
    // covers it.
    for (const chunk of chunks) text += this.#encode(chunk);
    if (text !== '') this.#write(text);
  }

  #write(text: string): boolean {
    if (this.#response.writableEnded || this.#response.destroyed) return false;
    this.#lastWrite = Date.now();
    this.#onBytes(Buffer.byteLength(text));
    return this.#response.write(text);
  }
}
