/**
 * What one reader received from its stream, checked as it arrives: offsets must follow each
 * other (a chunk starting past `next` is a gap, one starting before it a repeat), and the
 * content is hashed in order so the harness can compare it with the stream's.
 */
import { ContentHash } from '../shared/checksum.ts';

export class StreamTracker {
  next = 0;
  duplicates = 0;
  gaps = 0;
  ended = false;
  /** A chunk overlapped what was received: its new part cannot be told from the old. */
  overlapped = false;
  readonly chunks: number[] = [];
  readonly #hash = new ContentHash();

  /**
   * Records a tokens chunk; false when it brought nothing new. `record: false` checks it without
   * keeping its receive time (the caller records the message it came in with `receipt`).
   */
  tokens(from: number, to: number, text: string, at: number, record = true): boolean {
    if (record) this.chunks.push(from, to, at);
    if (!this.#advance(from, to)) return false;
    this.#hash.text(text);
    this.next = to;
    return true;
  }

  control(type: string, fields: Record<string, unknown>, at: number, record = true): boolean {
    const offset = Number(fields.offset);
    if (record) this.chunks.push(offset, offset + 1, at);
    if (!this.#advance(offset, offset + 1)) return false;
    this.#hash.control(type, fields);
    this.next = offset + 1;
    if (type === 'end') this.ended = true;
    return true;
  }

  /** Keeps one receive time for a message that carried items `[from, to)`. */
  receipt(from: number, to: number, at: number): void {
    this.chunks.push(from, to, at);
  }

  digest(): string {
    return this.overlapped ? 'overlapped' : this.#hash.digest();
  }

  #advance(from: number, to: number): boolean {
    if (to <= this.next) {
      this.duplicates += to - from;
      return false;
    }
    if (from < this.next) {
      this.duplicates += this.next - from;
      this.overlapped = true;
    } else if (from > this.next) {
      this.gaps += from - this.next;
    }
    return true;
  }
}
