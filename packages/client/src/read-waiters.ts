/**
 * The `next()` calls of a stream's iterator that wait for a chunk, served first come first
 * served; when the stream fails or ends, all of them at once.
 */
import type { Chunk } from '@spool/protocol';

export interface ReadWaiter {
  resolve(result: IteratorResult<Chunk>): void;
  reject(error: unknown): void;
}

export class ReadWaiters {
  readonly #waiters: ReadWaiter[] = [];

  add(waiter: ReadWaiter): void {
    this.#waiters.push(waiter);
  }

  /** The longest-waiting call, no longer waiting. */
  shift(): ReadWaiter | undefined {
    return this.#waiters.shift();
  }

  /** Every waiting call throws `error`. */
  fail(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** Every waiting call returns: the iteration is over. */
  finish(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }
}
