/**
 * Who waits for room in a stream's buffer (a link's read loop, the reconnect loop): each
 * resolves once the buffer has room again or its signal aborts. Never rejects.
 */
export class RoomWaiters {
  readonly #waiters = new Set<() => void>();

  /** Resolves at once when `hasRoom` or `signal` has aborted, else at the next `notify()`. */
  wait(hasRoom: boolean, signal: AbortSignal): Promise<void> {
    if (hasRoom || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** There may be room: wake everyone waiting (each checks again). */
  notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
