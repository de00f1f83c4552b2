/**
 * The per-stream buffer: chunks received and not yet handed to the application, in offset
 * order, counted in items. A plain FIFO: it never drops anything; flow control (the window over
 * WebSocket, not reading over SSE) is what keeps it bounded.
 */
import { type Chunk, chunkSize } from '@spool/protocol';

export class ChunkBuffer {
  #chunks: Chunk[] = [];
  #head = 0;
  #items = 0;

  /** Items buffered (a tokens chunk counts its `to - from`). */
  get items(): number {
    return this.#items;
  }

  get length(): number {
    return this.#chunks.length - this.#head;
  }

  push(chunk: Chunk): void {
    this.#chunks.push(chunk);
    this.#items += chunkSize(chunk);
  }

  shift(): Chunk | undefined {
    const chunk = this.#chunks[this.#head];
    if (chunk === undefined) return undefined;
    this.#head += 1;
    this.#items -= chunkSize(chunk);
    // Compact now and then, so a long stream does not keep its consumed prefix alive.
    if (this.#head >= 1_024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    return chunk;
  }

  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#items = 0;
  }
}
