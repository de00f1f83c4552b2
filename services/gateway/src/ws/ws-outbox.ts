/**
 * What one WebSocket sends, for all of its streams: one write per event-loop turn, and
 * backpressure shared by the streams.
 *
 * Frames sent during a turn wait until the turn's I/O callbacks are done (`setImmediate`), then
 * go out together on the corked socket (one syscall); consecutive token chunks of one stream
 * and block are joined into one frame (within that delivery's chunk limit). Per stream the order
 * of frames is kept; frames of different streams are independent.
 *
 * Every frame counts against the socket's send buffer (`bufferedAmount`: bytes ws and the kernel
 * socket have not taken yet). Above `highWaterBytes` a stream's send reports "full" and its
 * delivery waits for `drained`, which resolves once the buffer is below half the mark — so a
 * socket whose buffer is full gets nothing more until it drains, whatever the windows say.
 */
import type { Socket } from 'node:net';
import { type Chunk, encodeServerChunk, joinChunks } from '@spool/protocol';
import type { WebSocket } from 'ws';

interface Pending {
  stream: string | undefined;
  chunk?: Chunk;
  /** The chunk's join limit; 0 for a frame nothing may be joined to. */
  joinUpTo: number;
  text?: string;
}

export class WsOutbox {
  readonly #socket: WebSocket;
  readonly #highWaterBytes: number;
  readonly #onBytes: (bytes: number) => void;
  readonly #encode: (stream: string, chunk: Chunk) => string;
  #pending: Pending[] = [];
  /** Index in `#pending` of each stream's last frame. */
  #lastOfStream = new Map<string, number>();
  #flushScheduled = false;
  #waiters: (() => void)[] = [];
  #lastSentAt = Date.now();

  constructor(input: {
    socket: WebSocket;
    highWaterBytes: number;
    onBytes: (bytes: number) => void;
    /** Encodes a stream's chunk as a frame (default: `encodeServerChunk`). */
    encode?: (stream: string, chunk: Chunk) => string;
  }) {
    this.#socket = input.socket;
    this.#encode = input.encode ?? encodeServerChunk;
    this.#highWaterBytes = input.highWaterBytes;
    this.#onBytes = input.onBytes;
  }

  /** Queues a stream's chunk; false when the socket is over its high-water mark. */
  sendChunk(stream: string, chunk: Chunk, joinUpTo: number): boolean {
    const index = this.#lastOfStream.get(stream);
    const last = index === undefined ? undefined : this.#pending[index];
    if (last?.chunk?.kind === 'tokens' && index !== undefined) {
      const joined = joinChunks(last.chunk, chunk, Math.min(last.joinUpTo, joinUpTo));
      if (joined) {
        last.chunk = joined;
        return this.#writable();
      }
    }
    return this.#queue({ stream, chunk, joinUpTo });
  }

  /** Queues an encoded frame (a control frame, a resend) that nothing is joined to. */
  sendText(text: string, stream?: string): boolean {
    return this.#queue({ stream, text, joinUpTo: 0 });
  }

  bufferedBytes(): number {
    return this.#socket.bufferedAmount;
  }

  /** When the last frames went out (`Date.now()`), for the heartbeat. */
  get lastSentAt(): number {
    return this.#lastSentAt;
  }

  drained(signal: AbortSignal): Promise<void> {
    if (this.#socket.bufferedAmount < this.#highWaterBytes / 2) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiter (the socket closed: there is nothing more to wait for). */
  release(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  #queue(entry: Pending): boolean {
    if (this.#socket.readyState !== this.#socket.OPEN) return false;
    if (entry.stream !== undefined) this.#lastOfStream.set(entry.stream, this.#pending.length);
    this.#pending.push(entry);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return this.#writable();
  }

  #flush(): void {
    this.#flushScheduled = false;
    const entries = this.#pending;
    this.#pending = [];
    this.#lastOfStream.clear();
    if (this.#socket.readyState !== this.#socket.OPEN) return;
    this.#lastSentAt = Date.now();
    // ws keeps no cork of its own across frames; corking its socket makes the turn one write.
    const raw = (this.#socket as unknown as { _socket?: Socket })._socket;
    raw?.cork();
    for (const [index, entry] of entries.entries()) {
      const text =
        entry.text ??
        (entry.chunk && entry.stream !== undefined ? this.#encode(entry.stream, entry.chunk) : '');
      this.#onBytes(Buffer.byteLength(text));
      if (index === entries.length - 1) this.#socket.send(text, () => this.#wake());
      else this.#socket.send(text);
    }
    raw?.uncork();
  }

  #writable(): boolean {
    return this.#socket.bufferedAmount < this.#highWaterBytes;
  }

  #wake(): void {
    if (this.#waiters.length > 0 && this.#socket.bufferedAmount < this.#highWaterBytes / 2)
      this.release();
  }
}
